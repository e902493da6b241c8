package synth

import (
	"fmt"
	"path/filepath"
	"time"
)

// task runs a Task tool call: a whole subagent conversation written to
// <session>/subagents/agent-<id>.jsonl (Claude Code >= 2.1.2), with every
// subagent message also copied into the parent as an agent_progress line.
// The same API response therefore appears twice; readers must de-duplicate
// it by message.id + requestId.
func (s *sessionGen) task(c *convo, tu toolUseBlock, in *taskInput, msgID string) toolOutcome {
	r := s.r
	id := agentID(r)
	env := c.env
	env.ParentUUID = nil
	env.IsSidechain = true
	env.AgentID = id
	sub, err := s.openConvo(filepath.Join(s.dir, s.plan.id, "subagents", "agent-"+id+".jsonl"), env, subagentModel(in.Model, c.model), false)
	if err != nil {
		s.err = err
		return toolOutcome{content: "", result: "Error: " + err.Error(), isError: true}
	}
	sub.mirror = &mirror{parent: c, toolUseID: "agent_" + msgID, parentToolUseID: tu.ID, prompt: in.Prompt, agentID: id}
	start := s.now

	u := newUUID(r)
	s.userText(sub, u, in.Prompt, false)
	sub.mirror.copyUser(userMessage{Role: "user", Content: []textBlock{{Type: "text", Text: in.Prompt}}}, u, s.ts(), nil)
	sub.pending += int64(len(in.Prompt) / 4)

	steps := 2 + r.IntN(10)
	for i := range steps {
		s.response(sub, i == steps-1)
	}
	if err := sub.close(); err != nil {
		s.err = err
	}
	s.stats.Subagents++

	fin := sub.lastFin
	answer := s.pool.markdown(r, 1+r.IntN(3))
	total := fin.InputTokens + fin.CacheCreationInputTokens + fin.CacheReadInputTokens + fin.OutputTokens
	dur := s.now.Sub(start).Milliseconds()
	tail := fmt.Sprintf("agentId: %s (for resuming to continue this agent's work if needed)\n<usage>total_tokens: %d\ntool_uses: %d\nduration_ms: %d</usage>",
		id, total, sub.toolUses, dur)
	s.advance(10*time.Millisecond, 100*time.Millisecond)
	return toolOutcome{
		content: []textBlock{{Type: "text", Text: answer}, {Type: "text", Text: tail}},
		result: &taskResult{Status: "completed", Prompt: in.Prompt, AgentID: id, Content: []textBlock{{Type: "text", Text: answer}},
			TotalDurationMs: dur, TotalTokens: total, TotalToolUseCount: sub.toolUses, Usage: fin},
	}
}

// line writes an agent_progress copy of the subagent line just written (at
// the session clock's current time).
func (m *mirror) line(data any) {
	p := m.parent
	s := p.s
	u := newUUID(s.r)
	p.emit("progress", &agentProgressLine{
		envelope: p.chained(),
		Type:     "progress",
		Data: agentProgressData{Message: data, NormalizedMessages: emptyArray, Type: "agent_progress",
			Prompt: m.prompt, AgentID: m.agentID},
		ToolUseID:       m.toolUseID,
		ParentToolUseID: m.parentToolUseID,
		UUID:            u,
		Timestamp:       timestamp(s.now.Add(time.Millisecond)), // a millisecond after the original
	})
	p.last = u
}

func (m *mirror) copyAssistant(msg *apiMessage, requestID, uuid, ts string) {
	m.line(&copiedAssistant{Type: "assistant", Timestamp: ts, Message: msg, RequestID: requestID, UUID: uuid})
}

func (m *mirror) copyUser(msg userMessage, uuid, ts string, toolUseResult any) {
	m.line(&copiedUser{Type: "user", Message: msg, UUID: uuid, Timestamp: ts, ToolUseResult: toolUseResult})
}
