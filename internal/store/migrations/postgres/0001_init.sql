-- ccdash store, PostgreSQL dialect, version 1: the fact layer and the
-- per-session tables derived from it. Keep in step with
-- ../sqlite/0001_init.sql: the contract tests compare both dialects.
--
-- Text columns use COLLATE "C" (byte order, like SQLite's BINARY) so
-- comparisons and tie-breaks agree across dialects; payload_json is TEXT, not
-- JSONB, so the stored bytes are the ones written.
-- Times are unix milliseconds (BIGINT); bucket is the event time in unix
-- seconds floored to 15 minutes, the coarsest grain every IANA offset is a
-- multiple of, so local hourly/daily/weekly periods can be derived from it.
-- Money is integer nanodollars so sums are exact on every database.

CREATE TABLE telemetry_events (
    fact_key                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    event_name               TEXT COLLATE "C" NOT NULL,
    occurred_at              BIGINT  NOT NULL,
    bucket                   BIGINT  NOT NULL,
    session_id               TEXT COLLATE "C" NOT NULL DEFAULT '',
    parent_session_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    root_session_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
    session_type             TEXT COLLATE "C" NOT NULL DEFAULT '',
    project                  TEXT COLLATE "C" NOT NULL DEFAULT '',
    model                    TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_name                TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_use_id              TEXT COLLATE "C" NOT NULL DEFAULT '',
    agent_id                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    is_sidechain             BIGINT  NOT NULL DEFAULT 0,
    is_error                 BIGINT  NOT NULL DEFAULT 0,
    status                   TEXT COLLATE "C" NOT NULL DEFAULT '',
    tokens_input             BIGINT  NOT NULL DEFAULT 0,
    tokens_output            BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_creation    BIGINT  NOT NULL DEFAULT 0, -- 5m + 1h writes
    tokens_cache_creation_1h BIGINT  NOT NULL DEFAULT 0, -- the 1h part of tokens_cache_creation
    tokens_cache_read        BIGINT  NOT NULL DEFAULT 0,
    cost_nanos               BIGINT  NOT NULL DEFAULT 0,
    duration_ms              BIGINT  NOT NULL DEFAULT 0,
    dedup_rank               TEXT COLLATE "C" NOT NULL DEFAULT '',
    payload_json             TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
-- Partial indexes, one per event the queries read: most rows are tool
-- calls, prompts and results that no query filters on here, and every index
-- entry costs write throughput. Queries must spell the event name as a
-- literal for the planner to pick a partial index.
CREATE INDEX telemetry_events_api_time ON telemetry_events (occurred_at)
    WHERE event_name = 'claude_code.api_request';
CREATE INDEX telemetry_events_api_session ON telemetry_events (session_id)
    WHERE event_name = 'claude_code.api_request';
CREATE INDEX telemetry_events_commit_time ON telemetry_events (occurred_at)
    WHERE event_name = 'ccdash.commit';
CREATE INDEX telemetry_events_pr_time ON telemetry_events (occurred_at)
    WHERE event_name = 'ccdash.pull_request';

-- usage_buckets: the API-request columns of telemetry_events summed per
-- 15-minute bucket and every dimension the token, cost and sessions series
-- can be grouped by, so those queries read a few thousand rows instead of
-- every API request. thread_id is the metric's session key (root session,
-- else session; '' when the row has neither). The statement triggers below
-- keep it exact inside the writing statement: inserted rows are added,
-- replaced copies (ON CONFLICT DO UPDATE) subtract the old values and add
-- the new, deleted rows are subtracted; a group whose last request left is
-- deleted, so the table is a function of telemetry_events alone (order and
-- replay independent, like every other table). Statement triggers with
-- transition tables fold a whole multi-row upsert into one aggregate write.
CREATE TABLE usage_buckets (
    bucket                BIGINT NOT NULL,
    model                 TEXT COLLATE "C" NOT NULL,
    project               TEXT COLLATE "C" NOT NULL,
    session_type          TEXT COLLATE "C" NOT NULL,
    thread_id             TEXT COLLATE "C" NOT NULL,
    api_requests          BIGINT NOT NULL,
    tokens_input          BIGINT NOT NULL,
    tokens_output         BIGINT NOT NULL,
    tokens_cache_creation BIGINT NOT NULL,
    tokens_cache_read     BIGINT NOT NULL,
    cost_nanos            BIGINT NOT NULL,
    PRIMARY KEY (bucket, model, project, session_type, thread_id)
);
CREATE FUNCTION ccdash_usage_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_buckets AS u (bucket, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT bucket, model, project, session_type,
        CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
        CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT),
        CAST(SUM(tokens_cache_creation) AS BIGINT), CAST(SUM(tokens_cache_read) AS BIGINT),
        CAST(SUM(cost_nanos) AS BIGINT)
    FROM new_rows WHERE event_name = 'claude_code.api_request'
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (bucket, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = u.api_requests + excluded.api_requests,
        tokens_input = u.tokens_input + excluded.tokens_input,
        tokens_output = u.tokens_output + excluded.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = u.cost_nanos + excluded.cost_nanos;
    RETURN NULL;
END
$$;
CREATE FUNCTION ccdash_usage_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO usage_buckets AS u (bucket, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT bucket, model, project, session_type, thread_id, CAST(SUM(n) AS BIGINT),
        CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT),
        CAST(SUM(tokens_cache_creation) AS BIGINT), CAST(SUM(tokens_cache_read) AS BIGINT),
        CAST(SUM(cost_nanos) AS BIGINT)
    FROM (
        SELECT bucket, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, -1 AS n,
            -tokens_input AS tokens_input, -tokens_output AS tokens_output,
            -tokens_cache_creation AS tokens_cache_creation, -tokens_cache_read AS tokens_cache_read,
            -cost_nanos AS cost_nanos
        FROM old_rows WHERE event_name = 'claude_code.api_request'
        UNION ALL
        SELECT bucket, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, 1,
            tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos
        FROM new_rows WHERE event_name = 'claude_code.api_request'
    ) d
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (bucket, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = u.api_requests + excluded.api_requests,
        tokens_input = u.tokens_input + excluded.tokens_input,
        tokens_output = u.tokens_output + excluded.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = u.cost_nanos + excluded.cost_nanos;
    DELETE FROM usage_buckets u USING old_rows o
    WHERE o.event_name = 'claude_code.api_request' AND u.api_requests = 0
        AND u.bucket = o.bucket AND u.model = o.model AND u.project = o.project AND u.session_type = o.session_type
        AND u.thread_id = CASE WHEN o.root_session_id <> '' THEN o.root_session_id ELSE o.session_id END;
    RETURN NULL;
END
$$;
CREATE FUNCTION ccdash_usage_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE usage_buckets u SET
        api_requests = u.api_requests - d.n,
        tokens_input = u.tokens_input - d.tokens_input,
        tokens_output = u.tokens_output - d.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation - d.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read - d.tokens_cache_read,
        cost_nanos = u.cost_nanos - d.cost_nanos
    FROM (
        SELECT bucket, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, COUNT(*) AS n,
            CAST(SUM(tokens_input) AS BIGINT) AS tokens_input, CAST(SUM(tokens_output) AS BIGINT) AS tokens_output,
            CAST(SUM(tokens_cache_creation) AS BIGINT) AS tokens_cache_creation, CAST(SUM(tokens_cache_read) AS BIGINT) AS tokens_cache_read,
            CAST(SUM(cost_nanos) AS BIGINT) AS cost_nanos
        FROM old_rows WHERE event_name = 'claude_code.api_request'
        GROUP BY 1, 2, 3, 4, 5
    ) d
    WHERE u.bucket = d.bucket AND u.model = d.model AND u.project = d.project
        AND u.session_type = d.session_type AND u.thread_id = d.thread_id;
    DELETE FROM usage_buckets u USING old_rows o
    WHERE o.event_name = 'claude_code.api_request' AND u.api_requests = 0
        AND u.bucket = o.bucket AND u.model = o.model AND u.project = o.project AND u.session_type = o.session_type
        AND u.thread_id = CASE WHEN o.root_session_id <> '' THEN o.root_session_id ELSE o.session_id END;
    RETURN NULL;
END
$$;
CREATE TRIGGER telemetry_events_usage_insert AFTER INSERT ON telemetry_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_usage_insert();
CREATE TRIGGER telemetry_events_usage_update AFTER UPDATE ON telemetry_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_usage_update();
CREATE TRIGGER telemetry_events_usage_delete AFTER DELETE ON telemetry_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_usage_delete();

CREATE TABLE sessions (
    session_id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    parent_session_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
    root_session_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
    session_type             TEXT COLLATE "C" NOT NULL DEFAULT '',
    agent_id                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    agent_type               TEXT COLLATE "C" NOT NULL DEFAULT '',
    project                  TEXT COLLATE "C" NOT NULL DEFAULT '',
    project_at_ms            BIGINT  NOT NULL DEFAULT 0,
    cwd                      TEXT COLLATE "C" NOT NULL DEFAULT '',
    cwd_at_ms                BIGINT  NOT NULL DEFAULT 0,
    git_branch               TEXT COLLATE "C" NOT NULL DEFAULT '',
    git_branch_at_ms         BIGINT  NOT NULL DEFAULT 0,
    version                  TEXT COLLATE "C" NOT NULL DEFAULT '',
    version_at_ms            BIGINT  NOT NULL DEFAULT 0,
    status                   TEXT COLLATE "C" NOT NULL DEFAULT '',
    status_at_ms             BIGINT  NOT NULL DEFAULT 0,
    first_seen_ms            BIGINT,
    last_seen_ms             BIGINT,
    depth                    BIGINT  NOT NULL DEFAULT 0,
    api_requests             BIGINT  NOT NULL DEFAULT 0,
    tokens_input             BIGINT  NOT NULL DEFAULT 0,
    tokens_output            BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_creation    BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_creation_1h BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_read        BIGINT  NOT NULL DEFAULT 0,
    cost_nanos               BIGINT  NOT NULL DEFAULT 0,
    tool_calls               BIGINT  NOT NULL DEFAULT 0,
    tool_errors              BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX sessions_root ON sessions (root_session_id);
CREATE INDEX sessions_parent ON sessions (parent_session_id);

CREATE TABLE tool_calls (
    tool_use_id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    session_id           TEXT COLLATE "C" NOT NULL DEFAULT '',
    project              TEXT COLLATE "C" NOT NULL DEFAULT '',
    session_type         TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_name            TEXT COLLATE "C" NOT NULL DEFAULT '',
    started_ms           BIGINT,
    ended_ms             BIGINT,
    reported_duration_ms BIGINT,
    duration_ms          BIGINT,
    is_error             BIGINT,
    exit_code            BIGINT,
    failure_class        TEXT COLLATE "C" NOT NULL DEFAULT '',
    at_ms                BIGINT  NOT NULL,
    bucket               BIGINT  NOT NULL
);
CREATE INDEX tool_calls_at ON tool_calls (at_ms);
CREATE INDEX tool_calls_session ON tool_calls (session_id);

CREATE TABLE session_tool_usage (
    session_id    TEXT COLLATE "C" NOT NULL,
    tool_name     TEXT COLLATE "C" NOT NULL,
    call_count    BIGINT  NOT NULL DEFAULT 0,
    success_count BIGINT  NOT NULL DEFAULT 0,
    error_count   BIGINT  NOT NULL DEFAULT 0,
    total_ms      BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, tool_name)
);

CREATE TABLE file_updates (
    key         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    session_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_use_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_name   TEXT COLLATE "C" NOT NULL DEFAULT '',
    file_path   TEXT COLLATE "C" NOT NULL DEFAULT '',
    additions   BIGINT  NOT NULL DEFAULT 0,
    deletions   BIGINT  NOT NULL DEFAULT 0,
    occurred_at BIGINT  NOT NULL
);
CREATE INDEX file_updates_session ON file_updates (session_id);

CREATE TABLE ingest_status (
    reporter          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    backfill_complete BIGINT  NOT NULL DEFAULT 0,
    files_total       BIGINT  NOT NULL DEFAULT 0,
    files_caught_up   BIGINT  NOT NULL DEFAULT 0,
    lines_read        BIGINT  NOT NULL DEFAULT 0,
    bad_lines         BIGINT  NOT NULL DEFAULT 0,
    bytes_read        BIGINT  NOT NULL DEFAULT 0,
    lag_seconds       DOUBLE PRECISION NOT NULL DEFAULT 0,
    updated_at        BIGINT  NOT NULL
);

-- Sessions that lost a fact to another session: an API request replaced by
-- a preferred copy from another session, or a tool call re-attributed. Write
-- recomputes their totals and empties the table in the same transaction.
-- A trigger records them only when it happens, so writes need no lookups.
CREATE TABLE sessions_moved (
    session_id TEXT COLLATE "C" NOT NULL PRIMARY KEY
);
CREATE FUNCTION ccdash_session_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO sessions_moved (session_id) VALUES (OLD.session_id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER telemetry_events_session_moved AFTER UPDATE ON telemetry_events
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION ccdash_session_moved();
CREATE TRIGGER tool_calls_session_moved AFTER UPDATE ON tool_calls
    FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id)
    EXECUTE FUNCTION ccdash_session_moved();
