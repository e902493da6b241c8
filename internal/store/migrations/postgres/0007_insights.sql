-- ccdash store, PostgreSQL dialect, version 7: what the insight queries
-- (insights*.go: retries, loops, command outcomes) need of a tool call
-- besides tool_calls. Keep in step with ../sqlite/0007_insights.sql.
--
-- A table of its own rather than columns on tool_calls: tool_calls' upsert
-- merges a call's start and result rows, while these values come from one
-- deterministic tool_use and need no merge beyond "the non-empty value wins"
-- (the greater string, so the result does not depend on arrival order).
-- input_hash is transcript.InputHash (tool name + canonical input);
-- command_class is transcript.ClassifyCommand of a Bash command.
CREATE TABLE tool_inputs (
    tool_use_id   TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    input_hash    TEXT COLLATE "C" NOT NULL DEFAULT '',
    command_class TEXT COLLATE "C" NOT NULL DEFAULT ''
);
