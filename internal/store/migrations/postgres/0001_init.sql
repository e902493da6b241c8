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
