-- ccdash store, SQLite dialect, version 9: session_usage_buckets. Keep in
-- step with ../postgres/0009_session_usage.sql.
--
-- session_usage_buckets is usage_buckets (0001) with the session in its key:
-- the API-request columns of telemetry_events summed per 15-minute bucket,
-- session and the dimensions of usage_buckets. Filters and groups on a
-- session attribute (agent, host, and the sessions that called a tool or
-- activated a skill) select sessions, which usage_buckets cannot tell
-- apart; they read this table, a tenth of the API requests on the
-- benchmark store, instead of every request of the window (series_rows.go).
-- It is kept exact exactly like usage_buckets: Write adds the rows it
-- inserted (usage.go), the triggers below handle a replaced copy and a
-- deleted row, and a group whose last request left is deleted, so the
-- table is a function of telemetry_events alone.
CREATE TABLE session_usage_buckets (
    bucket                INTEGER NOT NULL,
    session_id            TEXT    NOT NULL,
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
    PRIMARY KEY (bucket, session_id, model, project, session_type, thread_id)
) WITHOUT ROWID;
INSERT INTO session_usage_buckets (bucket, session_id, model, project, session_type, thread_id,
    api_requests, tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
SELECT bucket, session_id, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
    SUM(tokens_input), SUM(tokens_output), SUM(tokens_cache_creation), SUM(tokens_cache_read), SUM(cost_nanos)
FROM telemetry_events WHERE event_name = 'claude_code.api_request'
GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TRIGGER telemetry_events_session_usage_update AFTER UPDATE ON telemetry_events
WHEN OLD.event_name = 'claude_code.api_request' OR NEW.event_name = 'claude_code.api_request'
BEGIN
    UPDATE session_usage_buckets SET
        api_requests = api_requests - 1,
        tokens_input = tokens_input - OLD.tokens_input,
        tokens_output = tokens_output - OLD.tokens_output,
        tokens_cache_creation = tokens_cache_creation - OLD.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read - OLD.tokens_cache_read,
        cost_nanos = cost_nanos - OLD.cost_nanos
    WHERE OLD.event_name = 'claude_code.api_request' AND bucket = OLD.bucket AND session_id = OLD.session_id
        AND model = OLD.model AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END;
    DELETE FROM session_usage_buckets
    WHERE OLD.event_name = 'claude_code.api_request' AND bucket = OLD.bucket AND session_id = OLD.session_id
        AND model = OLD.model AND project = OLD.project AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END
        AND api_requests = 0;
    INSERT INTO session_usage_buckets (bucket, session_id, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT NEW.bucket, NEW.session_id, NEW.model, NEW.project, NEW.session_type,
        CASE WHEN NEW.root_session_id <> '' THEN NEW.root_session_id ELSE NEW.session_id END, 1,
        NEW.tokens_input, NEW.tokens_output, NEW.tokens_cache_creation, NEW.tokens_cache_read, NEW.cost_nanos
    WHERE NEW.event_name = 'claude_code.api_request'
    ON CONFLICT (bucket, session_id, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = api_requests + 1,
        tokens_input = tokens_input + excluded.tokens_input,
        tokens_output = tokens_output + excluded.tokens_output,
        tokens_cache_creation = tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = cost_nanos + excluded.cost_nanos;
END;
CREATE TRIGGER telemetry_events_session_usage_delete AFTER DELETE ON telemetry_events
WHEN OLD.event_name = 'claude_code.api_request'
BEGIN
    UPDATE session_usage_buckets SET
        api_requests = api_requests - 1,
        tokens_input = tokens_input - OLD.tokens_input,
        tokens_output = tokens_output - OLD.tokens_output,
        tokens_cache_creation = tokens_cache_creation - OLD.tokens_cache_creation,
        tokens_cache_read = tokens_cache_read - OLD.tokens_cache_read,
        cost_nanos = cost_nanos - OLD.cost_nanos
    WHERE bucket = OLD.bucket AND session_id = OLD.session_id AND model = OLD.model AND project = OLD.project
        AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END;
    DELETE FROM session_usage_buckets
    WHERE bucket = OLD.bucket AND session_id = OLD.session_id AND model = OLD.model AND project = OLD.project
        AND session_type = OLD.session_type
        AND thread_id = CASE WHEN OLD.root_session_id <> '' THEN OLD.root_session_id ELSE OLD.session_id END
        AND api_requests = 0;
END;
