-- ccdash store, PostgreSQL dialect, version 2: features and tasks read from
-- progress files (receiver progress watcher, events ccdash.feature and
-- ccdash.task.status). Keep in step with ../sqlite/0002_tasks.sql.
--
-- task_transitions is the fact table: one row per observed (task, status,
-- time). tasks and features are derived from it (tasks.go) inside the write
-- transaction, so they are a function of the stored observations alone:
-- replays and arrival order change nothing. from_status is derived too: the
-- status of the task's previous observation in (at_ms, status rank) order;
-- a row whose from_status equals to_status is a re-observation, not a
-- transition.

CREATE TABLE task_transitions (
    feature_id       TEXT COLLATE "C" NOT NULL,
    task_id          TEXT COLLATE "C" NOT NULL,
    to_status        TEXT COLLATE "C" NOT NULL,
    at_ms            BIGINT NOT NULL,
    from_status      TEXT COLLATE "C" NOT NULL DEFAULT '',
    raw_status       TEXT COLLATE "C" NOT NULL DEFAULT '',
    phase            TEXT COLLATE "C" NOT NULL DEFAULT '',
    title            TEXT COLLATE "C" NOT NULL DEFAULT '',
    project          TEXT COLLATE "C" NOT NULL DEFAULT '',
    source_file      TEXT COLLATE "C" NOT NULL DEFAULT '',
    reported_done_ms BIGINT, -- the task's own completed: time, when it gave one
    PRIMARY KEY (feature_id, task_id, to_status, at_ms)
);
CREATE INDEX task_transitions_at ON task_transitions (at_ms);

-- tasks: the current state of each task = its latest observation.
CREATE TABLE tasks (
    feature_id    TEXT COLLATE "C" NOT NULL,
    task_id       TEXT COLLATE "C" NOT NULL,
    project       TEXT COLLATE "C" NOT NULL DEFAULT '',
    phase         TEXT COLLATE "C" NOT NULL DEFAULT '',
    title         TEXT COLLATE "C" NOT NULL DEFAULT '',
    status        TEXT COLLATE "C" NOT NULL DEFAULT '',
    raw_status    TEXT COLLATE "C" NOT NULL DEFAULT '',
    source_file   TEXT COLLATE "C" NOT NULL DEFAULT '',
    first_seen_ms BIGINT NOT NULL,
    updated_ms    BIGINT NOT NULL, -- time of the latest observation
    completed_ms  BIGINT,          -- set while status = 'done'
    PRIMARY KEY (feature_id, task_id)
);
CREATE INDEX tasks_project ON tasks (project);

-- features: descriptive columns from the newest ccdash.feature fact, task
-- counters and the status summary from tasks.
CREATE TABLE features (
    feature_id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    title              TEXT COLLATE "C" NOT NULL DEFAULT '',
    project            TEXT COLLATE "C" NOT NULL DEFAULT '',
    source_file        TEXT COLLATE "C" NOT NULL DEFAULT '',
    declared_status    TEXT COLLATE "C" NOT NULL DEFAULT '', -- front-matter status of the newest file, normalized
    updated_ms         BIGINT NOT NULL DEFAULT 0,  -- time of the newest ccdash.feature fact
    status             TEXT COLLATE "C" NOT NULL DEFAULT '', -- summary of the tasks' statuses (tasks.go featureStatus)
    tasks_total        BIGINT NOT NULL DEFAULT 0,
    tasks_done         BIGINT NOT NULL DEFAULT 0,
    tasks_deferred     BIGINT NOT NULL DEFAULT 0,
    tasks_in_progress  BIGINT NOT NULL DEFAULT 0,
    tasks_blocked      BIGINT NOT NULL DEFAULT 0,
    tasks_pending      BIGINT NOT NULL DEFAULT 0,
    tasks_unknown      BIGINT NOT NULL DEFAULT 0
);
