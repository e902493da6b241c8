-- ccdash store, PostgreSQL dialect, version 6: Claude Code's own (native) OTLP
-- events and the host a session was read on. Keep in step with
-- ../sqlite/0006_native.sql.
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
    native_key            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    event_name            TEXT COLLATE "C" NOT NULL,
    join_key              TEXT COLLATE "C" NOT NULL DEFAULT '',
    occurred_at           BIGINT  NOT NULL,
    session_id            TEXT COLLATE "C" NOT NULL DEFAULT '',
    prompt_id             TEXT COLLATE "C" NOT NULL DEFAULT '',
    host                  TEXT COLLATE "C" NOT NULL DEFAULT '',
    version               TEXT COLLATE "C" NOT NULL DEFAULT '',
    model                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    speed                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_name             TEXT COLLATE "C" NOT NULL DEFAULT '',
    tool_use_id           TEXT COLLATE "C" NOT NULL DEFAULT '',
    tokens_input          BIGINT  NOT NULL DEFAULT 0,
    tokens_output         BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_creation BIGINT  NOT NULL DEFAULT 0,
    tokens_cache_read     BIGINT  NOT NULL DEFAULT 0,
    cost_nanos            BIGINT  NOT NULL DEFAULT 0, -- priced with ccdash's table, like transcript facts
    status                TEXT COLLATE "C" NOT NULL DEFAULT '',
    native_cost_nanos     BIGINT  NOT NULL DEFAULT 0, -- Claude Code's cost_usd
    native_duration_ms    BIGINT  NOT NULL DEFAULT 0,
    success               BIGINT,                     -- NULL when the event does not report it
    decision              TEXT COLLATE "C" NOT NULL DEFAULT '',
    decision_source       TEXT COLLATE "C" NOT NULL DEFAULT '',
    error                 TEXT COLLATE "C" NOT NULL DEFAULT '',
    status_code           BIGINT  NOT NULL DEFAULT 0,
    attempt               BIGINT  NOT NULL DEFAULT 0,
    dedup_rank            TEXT COLLATE "C" NOT NULL DEFAULT '',
    payload_json          TEXT COLLATE "C" NOT NULL DEFAULT '{}'
);
CREATE INDEX native_events_join ON native_events (join_key);
CREATE INDEX native_events_session ON native_events (session_id, occurred_at);

-- host.name of the collector (agent) that read the session; with several
-- hosts the smallest name wins so the value does not depend on arrival order.
ALTER TABLE sessions ADD COLUMN host TEXT COLLATE "C" NOT NULL DEFAULT '';
CREATE INDEX sessions_host ON sessions (host);
