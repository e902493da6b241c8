package traces

import (
	"encoding/json"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

type promptPayload struct {
	Chars int `json:"chars"`
}

// prompt starts an interaction: the session's requests and tool calls
// that follow belong to it until the next prompt.
func (bt *batch) prompt(f *facts.Fact) {
	uuid := strings.TrimPrefix(f.Key, "prompt:")
	if uuid == "" {
		return
	}
	id := InteractionSpanID(uuid)
	var parent SpanID
	if isChild(f) {
		parent = AgentSpanID(f.SessionID)
	}
	bt.b.current[f.SessionID] = id
	bt.b.lastInput[f.SessionID] = f.Time
	s, created := bt.start(id, parent, SpanInteraction, f)
	if !created {
		return
	}
	sessionAttrs(s, f, f.SessionID, f.SessionType)
	s.set(AttrGenAIOperation, OpInvokeAgent)
	s.set(AttrGenAIProvider, ProviderName)
	s.set(AttrGenAIAgentName, AgentClaude)
	s.set(AttrGenAIConversation, f.SessionID)
	if f.GitBranch != "" {
		s.set(AttrGitBranch, f.GitBranch)
	}
	if f.Version != "" {
		s.set(AttrVersion, f.Version)
	}
	var p promptPayload
	if f.Payload != "" && json.Unmarshal([]byte(f.Payload), &p) == nil {
		s.set(AttrPromptLength, int64(p.Chars))
	}
	bt.widen(parent, s.Start, s.End)
}

type linkPayload struct {
	Child string `json:"childSessionId"`
}

// linkChild is the child session entity a subagent link fact names.
func linkChild(f *facts.Fact) string {
	var p linkPayload
	if f.Payload != "" && json.Unmarshal([]byte(f.Payload), &p) == nil && p.Child != "" {
		return p.Child
	}
	if f.AgentID != "" && f.RootSessionID != "" {
		return f.RootSessionID + "/agent-" + f.AgentID
	}
	return ""
}

// agent emits the interaction span of a subagent entity: below the tool
// call that spawned it (link), or, for compaction summarizers, as a root
// of the trace. It covers the entity's facts in this batch.
func (bt *batch) agent(child string, link *facts.Fact) {
	if _, done := bt.linked[child]; done {
		return
	}
	if link == nil {
		link = bt.links[child]
	}
	// The span covers the entity's facts in this batch; only when there
	// are none does it fall back to the link's time (a Task result read
	// in another batch than the subagent's own lines).
	var parent SpanID
	seed := facts.Fact{RootSessionID: rootOf(child)}
	if link != nil {
		parent = ToolSpanID(link.ToolUseID)
		seed.Time = link.Time
		seed.RootSessionID = link.RootSessionID
	}
	if f, ok := bt.first[child]; ok {
		seed.Project = f.Project
	} else if link != nil {
		seed.Project = link.Project
	}
	r, hasFacts := bt.spanOf[child]
	if hasFacts && !r.first.IsZero() {
		seed.Time = r.first
	}
	if seed.Time.IsZero() {
		return // nothing timed yet; a later fact of the entity retries
	}
	bt.linked[child] = struct{}{}
	s, created := bt.start(AgentSpanID(child), parent, SpanInteraction, &seed)
	if !created {
		return
	}
	if hasFacts {
		s.cover(r.last)
	}
	typ := childType(child)
	s.set(AttrSessionID, child)
	s.set(AttrRootSessionID, seed.RootSessionID)
	s.set(AttrSessionType, typ)
	if seed.Project != "" {
		s.set(AttrProject, seed.Project)
	}
	s.set(AttrGenAIOperation, OpInvokeAgent)
	s.set(AttrGenAIProvider, ProviderName)
	s.set(AttrGenAIConversation, child)
	agentID := agentIDOf(child)
	if agentID != "" {
		s.set(AttrGenAIAgentID, agentID)
		s.set(AttrAgentID, agentID)
	}
	name := ""
	if link != nil {
		name = link.AgentType
		s.set(AttrParentToolUse, link.ToolUseID)
	}
	if typ == facts.SessionCompaction {
		name = "compaction"
	}
	if name != "" {
		s.set(AttrGenAIAgentName, name)
		s.set(AttrSubagentType, name)
	}
}

// rootOf, agentIDOf and childType read a child entity id
// (<root>/agent-<id>, <root>/sidechain-<key>; transcript/session.go).
func rootOf(child string) string {
	root, _, _ := strings.Cut(child, "/")
	return root
}

func agentIDOf(child string) string {
	i := strings.LastIndex(child, "/agent-")
	if i < 0 {
		return ""
	}
	return child[i+len("/agent-"):]
}

func childType(child string) string {
	switch {
	case strings.HasPrefix(agentIDOf(child), "acompact"):
		return facts.SessionCompaction
	case strings.Contains(child, "/sidechain-"):
		return facts.SessionSidechain
	}
	return facts.SessionSubagent
}

type compactPayload struct {
	PreTokens  int64 `json:"preTokens"`
	PostTokens int64 `json:"postTokens"`
	DurationMs int64 `json:"durationMs"`
}

// compaction records a compact_boundary as an event of the session's
// current interaction. When that interaction left in an earlier batch (a
// manual /compact long after the prompt, or tailing), the event rides on a
// zero-length claude_code.compaction span below it instead.
func (bt *batch) compaction(f *facts.Fact) {
	uuid := strings.TrimPrefix(f.Key, "compact:")
	if uuid == "" {
		return
	}
	var p compactPayload
	if f.Payload != "" {
		_ = json.Unmarshal([]byte(f.Payload), &p)
	}
	ev := Event{Name: EventCompaction, Time: f.Time}
	if f.Status != "" {
		ev.Attrs = append(ev.Attrs, Attr{AttrCompactTrigger, f.Status})
	}
	for _, a := range []Attr{{AttrPreTokens, p.PreTokens}, {AttrPostTokens, p.PostTokens}, {AttrDurationMs, p.DurationMs}} {
		if a.Value != int64(0) {
			ev.Attrs = append(ev.Attrs, a)
		}
	}
	id := CompactionSpanID(uuid)
	if bt.b.emitted.has(id) {
		return
	}
	parent := bt.parentOf(f)
	if s, ok := bt.pending[parent]; ok && s.Name == SpanInteraction {
		s.Events = append(s.Events, ev)
		s.cover(f.Time)
		bt.b.emitted.add(id) // handled: a later copy of the boundary adds nothing
		return
	}
	s, created := bt.start(id, parent, SpanCompaction, f)
	if !created {
		return
	}
	sessionAttrs(s, f, f.SessionID, f.SessionType)
	s.Attrs = append(s.Attrs, ev.Attrs...)
	s.Events = append(s.Events, ev)
}
