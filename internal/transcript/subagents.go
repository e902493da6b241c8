package transcript

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Subagent links (transcript-format.md §8) connect a spawning session to a
// subagent entity. Sources, any of which may be missing:
//   - agent_progress lines: parentToolUseID + data.agentId;
//   - the Task/Agent result: toolUseResult.agentId, or "agentId: <id>" in the
//     result text (2.0.x);
//   - the subagent's agent-<id>.meta.json toolUseId (survives interrupted
//     spawns);
//   - 1.x inline sidechains: the Task whose prompt equals the root's text.
// All produce key agentlink:<parent entity>:<child>, so they merge in the store.

var agentIDTextRE = regexp.MustCompile(`(?m)^agentId: ([A-Za-z0-9_-]+)`)

// linkInfo remembers what was emitted for a link key, so a link is emitted
// again only when a later source adds a tool_use id or an agent type.
type linkInfo struct{ toolUseID, agentType string }

type pendingLink struct {
	parent, child *entity
	toolUseID     string
}

type linkPayload struct {
	Child  string `json:"childSessionId"`
	Source string `json:"source"`
}

// link emits a subagent link from parent to child once per new information.
func (c *lineCtx) link(parent, child *entity, toolUseID, source string, t time.Time) {
	childKey := child.agentID
	if childKey == "" {
		childKey = strings.TrimPrefix(child.id, parent.id+"/")
	}
	key := "agentlink:" + parent.id + ":" + childKey
	prev, seen := c.e.links[key]
	if seen && (prev.toolUseID != "" || toolUseID == "") && (prev.agentType != "" || child.agentType == "") {
		return
	}
	info := linkInfo{toolUseID: toolUseID, agentType: child.agentType}
	if info.toolUseID == "" {
		info.toolUseID = prev.toolUseID
	}
	c.e.links[key] = info

	f := facts.Fact{Key: key, Event: facts.EventSubagentLinked, Time: t}
	c.e.fillEntity(&f, parent)
	f.Cwd, f.GitBranch, f.Version = c.l.Cwd, c.l.GitBranch, str(c.l.Version)
	f.AgentID = child.agentID
	f.AgentType = info.agentType
	f.ToolUseID = info.toolUseID
	f.Payload = marshalPayload(linkPayload{Child: child.id, Source: source})
	c.emit(f)
}

func (c *lineCtx) flushPendingLinks() {
	for _, p := range c.e.pendingLinks {
		c.link(p.parent, p.child, p.toolUseID, "sidechain_prompt", c.ts)
	}
	c.e.pendingLinks = c.e.pendingLinks[:0]
}

// resultLink links the subagent a Task/Agent result names.
func (c *lineCtx) resultLink(toolUseID string, call toolCall, tur toolResultInfo, text *resultContent) {
	agentID, source := tur.AgentID, "tool_use_result"
	if agentID == "" && strings.Contains(text.text(), "agentId: ") {
		if m := agentIDTextRE.FindStringSubmatch(text.text()); m != nil {
			agentID, source = m[1], "tool_result_text"
		}
	}
	if agentID == "" {
		return
	}
	child := c.e.childAgent(c.ent, agentID, call.subagentType)
	c.link(c.ent, child, toolUseID, source, c.ts)
}

// metaLink emits the link a subagent file's meta.json describes, once, with
// the time of the file's first timestamped line.
func (e *Extractor) metaLink(ent *entity, t time.Time, emit func(facts.Fact)) {
	m := e.fi.Meta
	if e.metaLinked || m == nil || m.ToolUseID == "" || ent != e.fileEnt || t.IsZero() {
		return
	}
	e.metaLinked = true
	parent := &entity{id: ent.parent, root: ent.root, typ: facts.SessionMain}
	if ent.parent != ent.root {
		parent.typ = facts.SessionSubagent
		parent.parent = ent.root
		parent.agentID = m.ParentAgentID
	}
	c := lineCtx{e: e, l: &e.line, ent: ent, ts: t, emit: emit}
	c.link(parent, ent, m.ToolUseID, "meta", t)
}

// agentProgress handles a progress/agent_progress line: a copy of a subagent
// line, carried in the spawning transcript.
func (c *lineCtx) agentProgress(d *progressData) {
	if d.AgentID == "" {
		return
	}
	agentType := ""
	if call, ok := c.e.tools.get(c.l.ParentToolUseID); ok {
		agentType = call.subagentType
	}
	child := c.e.childAgent(c.ent, d.AgentID, agentType)
	c.link(c.ent, child, c.l.ParentToolUseID, "agent_progress", c.ts)

	pm := d.Message
	if pm == nil {
		return
	}
	t := parseTime(pm.Timestamp)
	c.e.touch(child, t, nil)
	if pm.Message == nil || pm.Message.Usage == nil {
		return
	}
	// ccusage reads these copies with the copy's own isSidechain (absent in
	// practice, i.e. false) and timestamp, without the version/sessionId
	// checks. A false isSidechain makes the copy win over the subagent file's
	// own line (isSidechain:true) in ccusage, and so in the store.
	isSide := pm.IsSidechain != nil && *pm.IsSidechain
	if !c.hasUsageMarker() {
		return
	}
	c.emitUsage(usageCopy{msg: pm.Message, requestID: pm.RequestID, isSidechain: isSide,
		time: t, ent: child, source: "agent_progress"})
}

func decodeProgressData(raw json.RawMessage) *progressData {
	var d progressData
	if err := unmarshal(raw, &d); err != nil {
		return nil
	}
	return &d
}
