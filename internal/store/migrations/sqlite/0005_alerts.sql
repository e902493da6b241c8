-- ccdash store, SQLite dialect, version 5: alert rules and the events their
-- evaluation produced. Keep in step with ../postgres/0005_alerts.sql.
--
-- alerts: one row per rule, edited through the API. threshold is in the
-- metric's display unit (dollars for cost_usd, a count otherwise).
-- filters_json is a JSON object {dimension: [values]} (store.Filters).
CREATE TABLE alerts (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    metric       TEXT    NOT NULL,
    operator     TEXT    NOT NULL,
    threshold    REAL    NOT NULL,
    period       TEXT    NOT NULL,
    tz           TEXT    NOT NULL DEFAULT 'UTC',
    filters_json TEXT    NOT NULL DEFAULT '{}',
    enabled      INTEGER NOT NULL DEFAULT 1,
    created_ms   INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL
);

-- alert_events: state changes of a rule, one per (rule, period bucket,
-- state). The evaluator derives them from persisted facts alone and inserts
-- with ON CONFLICT DO NOTHING, so re-evaluating (after a restart, or on every
-- tick) never duplicates an event; fired_ms is when it was first seen.
-- value_raw is the exact integer (nanodollars for money); value its display
-- form.
CREATE TABLE alert_events (
    alert_id     TEXT    NOT NULL,
    bucket_start INTEGER NOT NULL, -- unix ms of the period's first instant
    state        TEXT    NOT NULL, -- firing | resolved
    bucket       TEXT    NOT NULL, -- the period label (local time)
    value_raw    INTEGER NOT NULL,
    value        REAL    NOT NULL,
    threshold    REAL    NOT NULL,
    fired_ms     INTEGER NOT NULL,
    PRIMARY KEY (alert_id, bucket_start, state)
);
CREATE INDEX alert_events_fired ON alert_events (fired_ms);

-- Not alerts, but queries this release adds (skill_activations, tool metrics
-- by tool over a window): a partial index for the skill events, like the
-- other events a metric counts, and a covering index for tool calls by time
-- and tool so a windowed tool query never reads the table rows.
CREATE INDEX telemetry_events_skill_time ON telemetry_events (occurred_at)
    WHERE event_name = 'claude_code.skill_activated';
CREATE INDEX tool_calls_bucket_tool ON tool_calls (bucket, tool_name, is_error, at_ms);
