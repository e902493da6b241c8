-- ccdash store, PostgreSQL dialect, version 8: indexes for the correlation
-- view and the session-scoped filters of the analytics API. Keep in step
-- with ../sqlite/0008_correlation_indexes.sql.
--
-- The correlation view (correlation*.go) describes only the rows of the
-- requested page; a task's title and status are looked up by task id,
-- which is the second column of the tasks key.
CREATE INDEX tasks_task ON tasks (task_id);
