-- ccdash store, PostgreSQL dialect, version 9: session_usage_buckets. Keep
-- in step with ../sqlite/0009_session_usage.sql.
--
-- session_usage_buckets is usage_buckets (0001) with the session in its key:
-- the API-request columns of telemetry_events summed per 15-minute bucket,
-- session and the dimensions of usage_buckets. Filters and groups on a
-- session attribute (agent, host, and the sessions that called a tool or
-- activated a skill) select sessions, which usage_buckets cannot tell
-- apart; they read this table, a tenth of the API requests on the
-- benchmark store, instead of every request of the window (series_rows.go).
-- Statement triggers keep it exact exactly like usage_buckets, and a group
-- whose last request left is deleted, so the table is a function of
-- telemetry_events alone.
CREATE TABLE session_usage_buckets (
    bucket                BIGINT NOT NULL,
    session_id            TEXT COLLATE "C" NOT NULL,
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
    PRIMARY KEY (bucket, session_id, model, project, session_type, thread_id)
);
INSERT INTO session_usage_buckets (bucket, session_id, model, project, session_type, thread_id, api_requests,
    tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
SELECT bucket, session_id, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
    CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT),
    CAST(SUM(tokens_cache_creation) AS BIGINT), CAST(SUM(tokens_cache_read) AS BIGINT),
    CAST(SUM(cost_nanos) AS BIGINT)
FROM telemetry_events WHERE event_name = 'claude_code.api_request'
GROUP BY 1, 2, 3, 4, 5, 6;
CREATE FUNCTION ccdash_session_usage_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_usage_buckets AS u (bucket, session_id, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT bucket, session_id, model, project, session_type,
        CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
        CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT),
        CAST(SUM(tokens_cache_creation) AS BIGINT), CAST(SUM(tokens_cache_read) AS BIGINT),
        CAST(SUM(cost_nanos) AS BIGINT)
    FROM new_rows WHERE event_name = 'claude_code.api_request'
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (bucket, session_id, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = u.api_requests + excluded.api_requests,
        tokens_input = u.tokens_input + excluded.tokens_input,
        tokens_output = u.tokens_output + excluded.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = u.cost_nanos + excluded.cost_nanos;
    RETURN NULL;
END
$$;
CREATE FUNCTION ccdash_session_usage_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO session_usage_buckets AS u (bucket, session_id, model, project, session_type, thread_id, api_requests,
        tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
    SELECT bucket, session_id, model, project, session_type, thread_id, CAST(SUM(n) AS BIGINT),
        CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT),
        CAST(SUM(tokens_cache_creation) AS BIGINT), CAST(SUM(tokens_cache_read) AS BIGINT),
        CAST(SUM(cost_nanos) AS BIGINT)
    FROM (
        SELECT bucket, session_id, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, -1 AS n,
            -tokens_input AS tokens_input, -tokens_output AS tokens_output,
            -tokens_cache_creation AS tokens_cache_creation, -tokens_cache_read AS tokens_cache_read,
            -cost_nanos AS cost_nanos
        FROM old_rows WHERE event_name = 'claude_code.api_request'
        UNION ALL
        SELECT bucket, session_id, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, 1,
            tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos
        FROM new_rows WHERE event_name = 'claude_code.api_request'
    ) d
    GROUP BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (bucket, session_id, model, project, session_type, thread_id) DO UPDATE SET
        api_requests = u.api_requests + excluded.api_requests,
        tokens_input = u.tokens_input + excluded.tokens_input,
        tokens_output = u.tokens_output + excluded.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation + excluded.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read + excluded.tokens_cache_read,
        cost_nanos = u.cost_nanos + excluded.cost_nanos;
    DELETE FROM session_usage_buckets u USING old_rows o
    WHERE o.event_name = 'claude_code.api_request' AND u.api_requests = 0
        AND u.bucket = o.bucket AND u.session_id = o.session_id AND u.model = o.model AND u.project = o.project
        AND u.session_type = o.session_type
        AND u.thread_id = CASE WHEN o.root_session_id <> '' THEN o.root_session_id ELSE o.session_id END;
    RETURN NULL;
END
$$;
CREATE FUNCTION ccdash_session_usage_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE session_usage_buckets u SET
        api_requests = u.api_requests - d.n,
        tokens_input = u.tokens_input - d.tokens_input,
        tokens_output = u.tokens_output - d.tokens_output,
        tokens_cache_creation = u.tokens_cache_creation - d.tokens_cache_creation,
        tokens_cache_read = u.tokens_cache_read - d.tokens_cache_read,
        cost_nanos = u.cost_nanos - d.cost_nanos
    FROM (
        SELECT bucket, session_id, model, project, session_type,
            CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, COUNT(*) AS n,
            CAST(SUM(tokens_input) AS BIGINT) AS tokens_input, CAST(SUM(tokens_output) AS BIGINT) AS tokens_output,
            CAST(SUM(tokens_cache_creation) AS BIGINT) AS tokens_cache_creation, CAST(SUM(tokens_cache_read) AS BIGINT) AS tokens_cache_read,
            CAST(SUM(cost_nanos) AS BIGINT) AS cost_nanos
        FROM old_rows WHERE event_name = 'claude_code.api_request'
        GROUP BY 1, 2, 3, 4, 5, 6
    ) d
    WHERE u.bucket = d.bucket AND u.session_id = d.session_id AND u.model = d.model AND u.project = d.project
        AND u.session_type = d.session_type AND u.thread_id = d.thread_id;
    DELETE FROM session_usage_buckets u USING old_rows o
    WHERE o.event_name = 'claude_code.api_request' AND u.api_requests = 0
        AND u.bucket = o.bucket AND u.session_id = o.session_id AND u.model = o.model AND u.project = o.project
        AND u.session_type = o.session_type
        AND u.thread_id = CASE WHEN o.root_session_id <> '' THEN o.root_session_id ELSE o.session_id END;
    RETURN NULL;
END
$$;
CREATE TRIGGER telemetry_events_session_usage_insert AFTER INSERT ON telemetry_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_session_usage_insert();
CREATE TRIGGER telemetry_events_session_usage_update AFTER UPDATE ON telemetry_events
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_session_usage_update();
CREATE TRIGGER telemetry_events_session_usage_delete AFTER DELETE ON telemetry_events
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ccdash_session_usage_delete();
