-- ccdash store, SQLite dialect, version 10: tool calls by session and time.
-- Keep in step with ../postgres/0010_tool_session_time.sql.
--
-- A filter on a session attribute (agent, host, skill) selects sessions
-- first, then their tool calls in the window (series_rows.go). With the
-- session index of 0001 every call of the selected sessions, in the window
-- or not, was read from the table to check its time and error flag: an
-- agent-filtered overview on 1M facts spent 22-44 ms there. Holding the
-- time, bucket and error flag in the index makes that a range read of the
-- index alone (8 ms), as 0008 did for API requests. recompute
-- (session_id IN ...) and the session-less tool totals read the new index
-- as they read the old one.
DROP INDEX tool_calls_session;
CREATE INDEX tool_calls_session_time ON tool_calls (session_id, at_ms, bucket, is_error);
