-- ccdash store, SQLite dialect, version 1: the fact layer and the
-- per-session tables derived from it. Keep in step with
-- ../postgres/0001_init.sql: the contract tests compare both dialects.
--
-- Times are unix milliseconds (INTEGER); bucket is the event time in unix
-- seconds floored to 15 minutes, the coarsest grain every IANA offset is a
-- multiple of, so local hourly/daily/weekly periods can be derived from it.
-- Money is integer nanodollars so sums are exact on every database.

CREATE TABLE telemetry_events (
    fact_key                 TEXT    NOT NULL PRIMARY KEY,
    event_name               TEXT    NOT NULL,
    occurred_at              INTEGER NOT NULL,
    bucket                   INTEGER NOT NULL,
    session_id               TEXT    NOT NULL DEFAULT '',
    parent_session_id        TEXT    NOT NULL DEFAULT '',
    root_session_id          TEXT    NOT NULL DEFAULT '',
    session_type             TEXT    NOT NULL DEFAULT '',
    project                  TEXT    NOT NULL DEFAULT '',
    model                    TEXT    NOT NULL DEFAULT '',
    tool_name                TEXT    NOT NULL DEFAULT '',
    tool_use_id              TEXT    NOT NULL DEFAULT '',
    agent_id                 TEXT    NOT NULL DEFAULT '',
    is_sidechain             INTEGER NOT NULL DEFAULT 0,
    is_error                 INTEGER NOT NULL DEFAULT 0,
    status                   TEXT    NOT NULL DEFAULT '',
    tokens_input             INTEGER NOT NULL DEFAULT 0,
    tokens_output            INTEGER NOT NULL DEFAULT 0,
    tokens_cache_creation    INTEGER NOT NULL DEFAULT 0, -- 5m + 1h writes
    tokens_cache_creation_1h INTEGER NOT NULL DEFAULT 0, -- the 1h part of tokens_cache_creation
    tokens_cache_read        INTEGER NOT NULL DEFAULT 0,
    cost_nanos               INTEGER NOT NULL DEFAULT 0,
    duration_ms              INTEGER NOT NULL DEFAULT 0,
    dedup_rank               TEXT    NOT NULL DEFAULT '',
    payload_json             TEXT    NOT NULL DEFAULT '{}'
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
-- else session; '' when the row has neither). It is kept exact inside every
-- write transaction and is a function of telemetry_events alone (order and
-- replay independent, like every other table):
--   - rows Write inserts are added by Write itself (see usage.go): a
--     per-row insert trigger cost more than the rest of an API row's insert;
--   - a replaced copy (ON CONFLICT DO UPDATE) and a deleted row are rare and
--     handled by the triggers below, which subtract the old values, add the
--     new ones and delete a group whose last request left.
CREATE TABLE usage_buckets (
    bucket                INTEGER NOT NULL,
    model                 TEXT    NOT NULL,
    project               TEXT    NOT NULL,
    session_type          TEXT    NOT NULL,
    thread_id             TEXT    NOT NULL,
    api_requests          INTEGER NOT NULL,
    tokens_input          INTEGER NOT NULL,
    tokens_output         INTEGER NOT NULL,
    tokens_cache_creation INTEGER NOT NULL,
    tokens_cache_read     INTEGER NOT NULL,
    cost_nanos            INTEGER NOT NULL,
    PRIMARY KEY (bucket, model, project, session_type, thread_id)
) WITHOUT ROWID;
CREATE TRIGGER telemetry_events_usage_update AFTER UPDATE ON telemetry_events
WHEN OLD.event_name = 'claude_code.api_request' OR NEW.event_name = 'claude_code.api_request'
BEGIN
    UPDATE usage_buckets SET
        api_requests = api_requests - 1,
        tokens_input = tokens_input - OLD.tokens_input,
        tokens_output = tokens_output - OLD.tokens_output,
        tokens_cache_creation = tokens_cache_creation - OLD.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read - OLD.tokens_cache_read,
        cost_nanos = cost_nanos - OLD.cost_nanos
    WHERE OLD.event_name = 'claude_code.api_request' AND bucket = OLD.bucket AND model = OLD.model
        AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END;
    DELETE FROM usage_buckets
    WHERE OLD.event_name = 'claude_code.api_request' AND bucket = OLD.bucket AND model = OLD.model
        AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END
        AND api_requests = 0;
    INSERT INTO usage_buckets (bucket, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT NEW.bucket, NEW.model, NEW.project, NEW.session_type,
        CASE WHEN NEW.root_session_id <> '' THEN NEW.root_session_id ELSE NEW.session_id END, 1,
        NEW.tokens_input, NEW.tokens_output, NEW.tokens_cache_creation, NEW.tokens_cache_read, NEW.cost_nanos
    WHERE NEW.event_name = 'claude_code.api_request'
    ON CONFLICT (bucket, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = api_requests + 1,
        tokens_input = tokens_input + excluded.tokens_input,
        tokens_output = tokens_output + excluded.tokens_output,
        tokens_cache_creation = tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = cost_nanos + excluded.cost_nanos;
END;
CREATE TRIGGER telemetry_events_usage_delete AFTER DELETE ON telemetry_events
WHEN OLD.event_name = 'claude_code.api_request'
BEGIN
    UPDATE usage_buckets SET
        api_requests = api_requests - 1,
        tokens_input = tokens_input - OLD.tokens_input,
        tokens_output = tokens_output - OLD.tokens_output,
        tokens_cache_creation = tokens_cache_creation - OLD.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read - OLD.tokens_cache_read,
        cost_nanos = cost_nanos - OLD.cost_nanos
    WHERE bucket = OLD.bucket AND model = OLD.model AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END;
    DELETE FROM usage_buckets
    WHERE bucket = OLD.bucket AND model = OLD.model AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END
        AND api_requests = 0;
END;

CREATE TABLE sessions (
    session_id               TEXT    NOT NULL PRIMARY KEY,
    parent_session_id        TEXT    NOT NULL DEFAULT '',
    root_session_id          TEXT    NOT NULL DEFAULT '',
    session_type             TEXT    NOT NULL DEFAULT '',
    agent_id                 TEXT    NOT NULL DEFAULT '',
    agent_type               TEXT    NOT NULL DEFAULT '',
    project                  TEXT    NOT NULL DEFAULT '',
    project_at_ms            INTEGER NOT NULL DEFAULT 0,
    cwd                      TEXT    NOT NULL DEFAULT '',
    cwd_at_ms                INTEGER NOT NULL DEFAULT 0,
    git_branch               TEXT    NOT NULL DEFAULT '',
    git_branch_at_ms         INTEGER NOT NULL DEFAULT 0,
    version                  TEXT    NOT NULL DEFAULT '',
    version_at_ms            INTEGER NOT NULL DEFAULT 0,
    status                   TEXT    NOT NULL DEFAULT '',
    status_at_ms             INTEGER NOT NULL DEFAULT 0,
    first_seen_ms            INTEGER,
    last_seen_ms             INTEGER,
    depth                    INTEGER NOT NULL DEFAULT 0,
    api_requests             INTEGER NOT NULL DEFAULT 0,
    tokens_input             INTEGER NOT NULL DEFAULT 0,
    tokens_output            INTEGER NOT NULL DEFAULT 0,
    tokens_cache_creation    INTEGER NOT NULL DEFAULT 0,
    tokens_cache_creation_1h INTEGER NOT NULL DEFAULT 0,
    tokens_cache_read        INTEGER NOT NULL DEFAULT 0,
    cost_nanos               INTEGER NOT NULL DEFAULT 0,
    tool_calls               INTEGER NOT NULL DEFAULT 0,
    tool_errors              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_root ON sessions (root_session_id);
CREATE INDEX sessions_parent ON sessions (parent_session_id);

CREATE TABLE tool_calls (
    tool_use_id          TEXT    NOT NULL PRIMARY KEY,
    session_id           TEXT    NOT NULL DEFAULT '',
    project              TEXT    NOT NULL DEFAULT '',
    session_type         TEXT    NOT NULL DEFAULT '',
    tool_name            TEXT    NOT NULL DEFAULT '',
    started_ms           INTEGER,
    ended_ms             INTEGER,
    reported_duration_ms INTEGER,
    duration_ms          INTEGER,
    is_error             INTEGER,
    exit_code            INTEGER,
    failure_class        TEXT    NOT NULL DEFAULT '',
    at_ms                INTEGER NOT NULL,
    bucket               INTEGER NOT NULL
);
CREATE INDEX tool_calls_at ON tool_calls (at_ms);
CREATE INDEX tool_calls_session ON tool_calls (session_id);

CREATE TABLE session_tool_usage (
    session_id    TEXT    NOT NULL,
    tool_name     TEXT    NOT NULL,
    call_count    INTEGER NOT NULL DEFAULT 0,
    success_count INTEGER NOT NULL DEFAULT 0,
    error_count   INTEGER NOT NULL DEFAULT 0,
    total_ms      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, tool_name)
);

CREATE TABLE file_updates (
    key         TEXT    NOT NULL PRIMARY KEY,
    session_id  TEXT    NOT NULL DEFAULT '',
    tool_use_id TEXT    NOT NULL DEFAULT '',
    tool_name   TEXT    NOT NULL DEFAULT '',
    file_path   TEXT    NOT NULL DEFAULT '',
    additions   INTEGER NOT NULL DEFAULT 0,
    deletions   INTEGER NOT NULL DEFAULT 0,
    occurred_at INTEGER NOT NULL
);
CREATE INDEX file_updates_session ON file_updates (session_id);

CREATE TABLE ingest_status (
    reporter          TEXT    NOT NULL PRIMARY KEY,
    backfill_complete INTEGER NOT NULL DEFAULT 0,
    files_total       INTEGER NOT NULL DEFAULT 0,
    files_caught_up   INTEGER NOT NULL DEFAULT 0,
    lines_read        INTEGER NOT NULL DEFAULT 0,
    bad_lines         INTEGER NOT NULL DEFAULT 0,
    bytes_read        INTEGER NOT NULL DEFAULT 0,
    lag_seconds       REAL    NOT NULL DEFAULT 0,
    updated_at        INTEGER NOT NULL
);

-- Sessions that lost a fact to another session: an API request replaced by
-- a preferred copy from another session, or a tool call re-attributed. Write
-- recomputes their totals and empties the table in the same transaction.
-- A trigger records them only when it happens, so writes need no lookups.
CREATE TABLE sessions_moved (
    session_id TEXT NOT NULL PRIMARY KEY
);
CREATE TRIGGER telemetry_events_session_moved AFTER UPDATE OF session_id ON telemetry_events
WHEN OLD.session_id <> NEW.session_id
BEGIN
    INSERT OR IGNORE INTO sessions_moved (session_id) VALUES (OLD.session_id);
END;
CREATE TRIGGER tool_calls_session_moved AFTER UPDATE OF session_id ON tool_calls
WHEN OLD.session_id <> NEW.session_id
BEGIN
    INSERT OR IGNORE INTO sessions_moved (session_id) VALUES (OLD.session_id);
END;
