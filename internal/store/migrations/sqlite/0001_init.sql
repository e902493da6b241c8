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
