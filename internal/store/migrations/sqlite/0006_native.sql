-- ccdash store, SQLite dialect, version 6: Claude Code's own (native) OTLP
-- events and the host a session was read on. Keep in step with
-- ../postgres/0006_native.sql.
--
-- native_events holds one row per native event (internal/native), keyed by
-- its fact key native:<event>:<join key>. join_key is the id the event
-- shares with the transcript: request_id (api_request, api_error, ...),
-- tool_use_id (tool_result, tool_decision) or message.uuid (user_prompt).
-- The usage columns of an api_request row are what the store counts while
-- no transcript copy of the request is stored (native_store.go); the
-- native_* columns are Claude Code's own figures, kept for enrichment and
-- never summed into the totals.
CREATE TABLE native_events (
    native_key            TEXT    NOT NULL PRIMARY KEY,
    event_name            TEXT    NOT NULL,
    join_key              TEXT    NOT NULL DEFAULT '',
    occurred_at           INTEGER NOT NULL,
    session_id            TEXT    NOT NULL DEFAULT '',
    prompt_id             TEXT    NOT NULL DEFAULT '',
    host                  TEXT    NOT NULL DEFAULT '',
    version               TEXT    NOT NULL DEFAULT '',
    model                 TEXT    NOT NULL DEFAULT '',
    speed                 TEXT    NOT NULL DEFAULT '',
    tool_name             TEXT    NOT NULL DEFAULT '',
    tool_use_id           TEXT    NOT NULL DEFAULT '',
    tokens_input          INTEGER NOT NULL DEFAULT 0,
    tokens_output         INTEGER NOT NULL DEFAULT 0,
    tokens_cache_creation INTEGER NOT NULL DEFAULT 0,
    tokens_cache_read     INTEGER NOT NULL DEFAULT 0,
    cost_nanos            INTEGER NOT NULL DEFAULT 0, -- priced with ccdash's table, like transcript facts
    status                TEXT    NOT NULL DEFAULT '',
    native_cost_nanos     INTEGER NOT NULL DEFAULT 0, -- Claude Code's cost_usd
    native_duration_ms    INTEGER NOT NULL DEFAULT 0,
    success               INTEGER,                    -- NULL when the event does not report it
    decision              TEXT    NOT NULL DEFAULT '',
    decision_source       TEXT    NOT NULL DEFAULT '',
    error                 TEXT    NOT NULL DEFAULT '',
    status_code           INTEGER NOT NULL DEFAULT 0,
    attempt               INTEGER NOT NULL DEFAULT 0,
    dedup_rank            TEXT    NOT NULL DEFAULT '',
    payload_json          TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX native_events_join ON native_events (join_key);
CREATE INDEX native_events_session ON native_events (session_id, occurred_at);

-- host.name of the collector (agent) that read the session; with several
-- hosts the smallest name wins so the value does not depend on arrival order.
ALTER TABLE sessions ADD COLUMN host TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_host ON sessions (host);
