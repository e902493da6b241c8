package transcript

import (
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// entity is a ccdash session entity: a main session, a subagent (file or
// agent_progress copies), or a 1.x inline sidechain.
type entity struct {
	id, parent, root string
	typ              string // facts.Session*
	agentID          string
	agentType        string
}

// batchSpan accumulates what EndBatch reports about one entity.
type batchSpan struct {
	ent                  *entity
	first, last          time.Time
	lines                int64
	cwd, branch, version string
	customTitle, aiTitle string
	summary              string
}

// agentSessionType tells compaction summarizer agents apart from subagents.
func agentSessionType(agentID string) string {
	if strings.HasPrefix(agentID, "acompact") {
		return facts.SessionCompaction
	}
	return facts.SessionSubagent
}

// fileEntity returns the entity every line of a subagent file belongs to, and
// the main entity for main files. For legacy flat agent files the parent
// session id is learnt from the lines' sessionId.
func (e *Extractor) fileEntity(l *Line) *entity {
	if e.fileEnt != nil {
		return e.fileEnt
	}
	fi := e.fi
	switch fi.Kind {
	case SubagentDir, LegacyAgent:
		sid := fi.SessionID
		if sid == "" {
			sid = str(l.SessionID)
		}
		if sid == "" {
			// Not known yet: attribute to a parentless entity without caching,
			// so a later line with a sessionId fixes the attribution.
			return &entity{id: "agent-" + fi.AgentID, root: "agent-" + fi.AgentID,
				typ: agentSessionType(fi.AgentID), agentID: fi.AgentID, agentType: e.metaAgentType()}
		}
		parent := sid
		if fi.Meta != nil && fi.Meta.ParentAgentID != "" {
			parent = sid + "/agent-" + fi.Meta.ParentAgentID
		}
		e.fileEnt = &entity{
			id: sid + "/agent-" + fi.AgentID, parent: parent, root: sid,
			typ: agentSessionType(fi.AgentID), agentID: fi.AgentID, agentType: e.metaAgentType(),
		}
	default:
		sid := fi.SessionID
		if sid == "" {
			sid = str(l.SessionID)
		}
		e.fileEnt = &entity{id: sid, root: sid, typ: facts.SessionMain}
	}
	e.entities[e.fileEnt.id] = e.fileEnt
	return e.fileEnt
}

func (e *Extractor) metaAgentType() string {
	if e.fi.Meta != nil {
		return e.fi.Meta.AgentType
	}
	return ""
}

// lineEntity resolves the entity of a decoded line.
func (e *Extractor) lineEntity(l *Line, blocks []Block) *entity {
	base := e.fileEntity(l)
	if e.fi.Kind != Main || !l.IsSidechain {
		return base
	}
	if l.AgentID != "" {
		return e.childAgent(base, l.AgentID, "")
	}
	return e.sidechainEntity(base, l, blocks)
}

// childAgent returns the entity of subagent agentID spawned from parent.
// Subagent ids are namespaced by the root session, as their files are.
func (e *Extractor) childAgent(parent *entity, agentID, agentType string) *entity {
	id := parent.root + "/agent-" + agentID
	if ent, ok := e.entities[id]; ok {
		if ent.agentType == "" && agentType != "" {
			ent.agentType = agentType
		}
		return ent
	}
	ent := &entity{id: id, parent: parent.id, root: parent.root,
		typ: agentSessionType(agentID), agentID: agentID, agentType: agentType}
	e.entities[id] = ent
	return ent
}

// touch records that a line of ent was seen in this batch.
func (e *Extractor) touch(ent *entity, t time.Time, h *Header) *batchSpan {
	sp, ok := e.batch[ent.id]
	if !ok {
		sp = &batchSpan{ent: ent}
		e.batch[ent.id] = sp
		e.batchOrder = append(e.batchOrder, ent.id)
	}
	sp.lines++
	if !t.IsZero() {
		if sp.first.IsZero() || t.Before(sp.first) {
			sp.first = t
		}
		if t.After(sp.last) {
			sp.last = t
		}
	}
	if h != nil {
		if h.Cwd != "" {
			sp.cwd = h.Cwd
		}
		if h.GitBranch != "" {
			sp.branch = h.GitBranch
		}
		if v := str(h.Version); v != "" {
			sp.version = v
		}
	}
	return sp
}

type sessionPayload struct {
	Lines       int64  `json:"lines"`
	CustomTitle string `json:"customTitle,omitempty"`
	AITitle     string `json:"aiTitle,omitempty"`
	Summary     string `json:"summary,omitempty"`
}

// EndBatch emits one EventSession fact per entity touched since the previous
// EndBatch, with the first and last line time of this batch (the store keeps
// the min/max over batches), then starts a new batch. Entities without any
// timestamped line are not reported.
func (e *Extractor) EndBatch(emit func(facts.Fact)) {
	for _, id := range e.batchOrder {
		sp := e.batch[id]
		if sp.first.IsZero() {
			continue
		}
		f := facts.Fact{
			Key:       "session:" + id,
			Event:     facts.EventSession,
			Time:      sp.first,
			FirstTime: sp.first,
			LastTime:  sp.last,
		}
		e.fillEntity(&f, sp.ent)
		f.Cwd, f.GitBranch, f.Version = sp.cwd, sp.branch, sp.version
		p := sessionPayload{Lines: sp.lines}
		if e.opts.IncludeContent {
			p.CustomTitle, p.AITitle, p.Summary = sp.customTitle, sp.aiTitle, sp.summary
		}
		f.Payload = marshalPayload(p)
		emit(f)
	}
	clear(e.batch)
	e.batchOrder = e.batchOrder[:0]
}

// fillEntity sets the session identity fields of f.
func (e *Extractor) fillEntity(f *facts.Fact, ent *entity) {
	f.SessionID = ent.id
	f.ParentSessionID = ent.parent
	f.RootSessionID = ent.root
	f.SessionType = ent.typ
	f.AgentID = ent.agentID
	f.AgentType = ent.agentType
	f.Project = e.project()
	f.SourceFile = e.fi.Path
}

func (e *Extractor) project() string {
	if e.projectCwd != "" {
		return e.projectCwd
	}
	return e.fi.ProjectDir
}
