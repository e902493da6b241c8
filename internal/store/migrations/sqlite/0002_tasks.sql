-- ccdash store, SQLite dialect, version 2: features and tasks read from
-- progress files (receiver progress watcher, events ccdash.feature and
-- ccdash.task.status). Keep in step with ../postgres/0002_tasks.sql.
--
-- task_transitions is the fact table: one row per observed (task, status,
-- time). tasks and features are derived from it (tasks.go) inside the write
-- transaction, so they are a function of the stored observations alone:
-- replays and arrival order change nothing. from_status is derived too: the
-- status of the task's previous observation in (at_ms, status rank) order;
-- a row whose from_status equals to_status is a re-observation, not a
-- transition.

CREATE TABLE task_transitions (
    feature_id       TEXT    NOT NULL,
    task_id          TEXT    NOT NULL,
    to_status        TEXT    NOT NULL,
    at_ms            INTEGER NOT NULL,
    from_status      TEXT    NOT NULL DEFAULT '',
    raw_status       TEXT    NOT NULL DEFAULT '',
    phase            TEXT    NOT NULL DEFAULT '',
    title            TEXT    NOT NULL DEFAULT '',
    project          TEXT    NOT NULL DEFAULT '',
    source_file      TEXT    NOT NULL DEFAULT '',
    reported_done_ms INTEGER, -- the task's own completed: time, when it gave one
    PRIMARY KEY (feature_id, task_id, to_status, at_ms)
);
CREATE INDEX task_transitions_at ON task_transitions (at_ms);

-- tasks: the current state of each task = its latest observation.
CREATE TABLE tasks (
    feature_id    TEXT    NOT NULL,
    task_id       TEXT    NOT NULL,
    project       TEXT    NOT NULL DEFAULT '',
    phase         TEXT    NOT NULL DEFAULT '',
    title         TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT '',
    raw_status    TEXT    NOT NULL DEFAULT '',
    source_file   TEXT    NOT NULL DEFAULT '',
    first_seen_ms INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL, -- time of the latest observation
    completed_ms  INTEGER,          -- set while status = 'done'
    PRIMARY KEY (feature_id, task_id)
);
CREATE INDEX tasks_project ON tasks (project);

-- features: descriptive columns from the newest ccdash.feature fact, task
-- counters and the status summary from tasks.
CREATE TABLE features (
    feature_id         TEXT    NOT NULL PRIMARY KEY,
    title              TEXT    NOT NULL DEFAULT '',
    project            TEXT    NOT NULL DEFAULT '',
    source_file        TEXT    NOT NULL DEFAULT '',
    declared_status    TEXT    NOT NULL DEFAULT '', -- front-matter status of the newest file, normalized
    updated_ms         INTEGER NOT NULL DEFAULT 0,  -- time of the newest ccdash.feature fact
    status             TEXT    NOT NULL DEFAULT '', -- summary of the tasks' statuses (tasks.go featureStatus)
    tasks_total        INTEGER NOT NULL DEFAULT 0,
    tasks_done         INTEGER NOT NULL DEFAULT 0,
    tasks_deferred     INTEGER NOT NULL DEFAULT 0,
    tasks_in_progress  INTEGER NOT NULL DEFAULT 0,
    tasks_blocked      INTEGER NOT NULL DEFAULT 0,
    tasks_pending      INTEGER NOT NULL DEFAULT 0,
    tasks_unknown      INTEGER NOT NULL DEFAULT 0
);
