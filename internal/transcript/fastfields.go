package transcript

// Typed string field readers of the fast decoder. Lines repeat the same few
// values (cwd, version, types, tool names) over and over, so most readers
// avoid allocating them again.

// plainStr reads a string field (null: "").
func plainStr(s *scanner) string {
	raw, esc, ok := s.strField()
	if !ok {
		return ""
	}
	return decodeStr(raw, esc)
}

// internStr reads a string field that usually repeats the previous line's
// value, allocating only when it changes.
func internStr(s *scanner, last *string) string {
	raw, esc, ok := s.strField()
	switch {
	case !ok:
		return ""
	case esc:
		return decodeStr(raw, esc)
	case string(raw) != *last:
		*last = string(raw)
	}
	return *last
}

// ptrStr reads a *string field into slot (null: nil). last, when not nil,
// interns the value.
func ptrStr(s *scanner, slot, last *string) *string {
	if s.null() {
		return nil
	}
	raw, esc, ok := s.strField()
	if !ok {
		return nil
	}
	switch {
	case last == nil || esc:
		*slot = decodeStr(raw, esc)
	default:
		if string(raw) != *last {
			*last = string(raw)
		}
		*slot = *last
	}
	return slot
}

// constStr reads a string field whose values come from a small vocabulary
// (line types, block types, tool names), returning shared strings.
func constStr(s *scanner) string {
	raw, esc, ok := s.strField()
	if !ok {
		return ""
	}
	if !esc {
		if v, ok := vocabulary[string(raw)]; ok {
			return v
		}
	}
	return decodeStr(raw, esc)
}

var vocabulary = func() map[string]string {
	m := map[string]string{}
	for _, v := range []string{
		"assistant", "user", "progress", "system", "summary", "pr-link", "custom-title", "ai-title",
		"file-history-snapshot", "queue-operation", "attachment", "compact_boundary", "turn_duration",
		"stop_hook_summary", "api_error", "local_command", "informational",
		"text", "thinking", "redacted_thinking", "tool_use", "tool_result", "image", "document",
		"hook_progress", "agent_progress", "bash_progress", "mcp_progress", "waiting_for_task",
		"end_turn", "max_tokens", "stop_sequence",
		"PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "UserPromptSubmit",
		"SessionStart", "SessionEnd", "Stop", "SubagentStart", "SubagentStop", "PreCompact", "Notification",
		"Bash", "Read", "Edit", "MultiEdit", "Write", "Glob", "Grep", "LS", "Task", "Agent", "Skill",
		"TodoWrite", "WebFetch", "WebSearch", "NotebookEdit", "BashOutput", "KillShell", "ExitPlanMode",
	} {
		m[v] = v
	}
	return m
}()
