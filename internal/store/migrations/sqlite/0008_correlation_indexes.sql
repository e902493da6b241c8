-- ccdash store, SQLite dialect, version 8: indexes for the correlation view
-- and the session-scoped filters of the analytics API. Keep in step with
-- ../postgres/0008_correlation_indexes.sql.
--
-- The correlation view (correlation*.go) walks entity_links through its key
-- (from_type, from_id, ...) and entity_links_to, and sessions through their
-- key and sessions_root; what it lacked is a task's title and status by
-- task id (the second column of the tasks key) for the rows of a page.
CREATE INDEX tasks_task ON tasks (task_id);

-- Filters on a session attribute select the sessions first (an uncorrelated
-- IN, series_rows.go): agent by sessions.agent_type (host has sessions_host),
-- tool by session_tool_usage, whose key leads with the session. Both tables
-- have a row per session (and tool), not per fact, so the extra index
-- entries cost writes little.
CREATE INDEX sessions_agent_type ON sessions (agent_type);
CREATE INDEX session_tool_usage_tool ON session_tool_usage (tool_name, session_id);

-- Under such a filter the planners look the API requests up by session (the
-- selected sessions are few) or scan the window (they are many). By session
-- they read every request of the session, in the window or not, unless the
-- index holds the time too: the session index of 0001 becomes (session,
-- time), the same entries a little wider. recompute (session_id IN ...)
-- reads the new one as it read the old.
DROP INDEX telemetry_events_api_session;
CREATE INDEX telemetry_events_api_session_time ON telemetry_events (session_id, occurred_at)
    WHERE event_name = 'claude_code.api_request';
