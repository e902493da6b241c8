package traces

import (
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// maxSpanAttrs is the most attributes a span gets (llm_request), so the
// attribute slice is allocated once.
const maxSpanAttrs = 24

// maxEmitted bounds the window of span ids remembered to emit each span
// once (about 40 bytes each).
const maxEmitted = 1 << 18

// Builder turns the ordered fact stream of the receiver into spans. It is
// fed one batch at a time, in the order the pipeline accepted them, and is
// not safe for concurrent use.
//
// It keeps three small maps: span ids already emitted (a bounded window),
// and per session the current interaction and the time of the last input
// (prompt or tool result). Everything else is computed from the facts of
// the batch: parents of subagent spans come from ids alone, so it does not
// matter whether a subagent file is read before or after its parent.
type Builder struct {
	emitted   *idSet
	current   map[string]SpanID    // session id -> interaction of its latest prompt
	lastInput map[string]time.Time // session id -> time of its latest prompt or tool result
}

// NewBuilder returns an empty Builder.
func NewBuilder() *Builder {
	return &Builder{
		emitted:   newIDSet(maxEmitted),
		current:   map[string]SpanID{},
		lastInput: map[string]time.Time{},
	}
}

// batch is the state of one Add call.
type batch struct {
	b         *Builder
	order     []*Span
	pending   map[SpanID]*Span
	best      map[SpanID]facts.Fact   // the copy of each API response the span describes
	spanOf    map[string]*timeRange   // session id -> time range of its facts in this batch
	first     map[string]*facts.Fact  // session id -> its first fact in this batch
	links     map[string]*facts.Fact  // child session id -> first link fact with a tool_use id
	linked    map[string]struct{}     // child sessions whose agent span this batch already handled
	parents   map[SpanID]SpanID       // pending span -> its parent (to widen pending ancestors)
	hooks     map[string]*pendingHook // hook execution key -> its event, placed when the batch ends
	hookOrder []*pendingHook
}

type timeRange struct{ first, last time.Time }

func (r *timeRange) cover(t time.Time) {
	if t.IsZero() {
		return
	}
	if r.first.IsZero() || t.Before(r.first) {
		r.first = t
	}
	if t.After(r.last) {
		r.last = t
	}
}

// Add returns the spans the batch yields, in the order their first fact
// appeared. A span already returned by an earlier call is not returned
// again, even if a later batch holds another copy of its facts.
func (b *Builder) Add(fs []facts.Fact) []Span {
	bt := &batch{
		b:       b,
		pending: map[SpanID]*Span{},
		best:    map[SpanID]facts.Fact{},
		spanOf:  map[string]*timeRange{},
		first:   map[string]*facts.Fact{},
		links:   map[string]*facts.Fact{},
		linked:  map[string]struct{}{},
		parents: map[SpanID]SpanID{},
		hooks:   map[string]*pendingHook{},
	}
	// First pass: what the whole batch knows about each session, so a
	// subagent span covers all of its facts in the batch whichever comes
	// first, its link or its lines.
	for i := range fs {
		f := &fs[i]
		if f.SessionID == "" || f.Event == facts.EventIngestProgress {
			continue
		}
		if f.Event == facts.EventSubagentLinked {
			if child := linkChild(f); child != "" && f.ToolUseID != "" {
				if _, ok := bt.links[child]; !ok {
					bt.links[child] = f
				}
			}
			continue
		}
		if _, ok := bt.first[f.SessionID]; !ok {
			bt.first[f.SessionID] = f
		}
		r := bt.sessionRange(f.SessionID)
		r.cover(f.Time)
		if f.Event == facts.EventSession {
			r.cover(f.FirstTime)
			r.cover(f.LastTime)
		}
	}
	for i := range fs {
		bt.fact(&fs[i])
	}
	bt.placeHooks()
	out := make([]Span, 0, len(bt.order))
	for _, s := range bt.order {
		if f, ok := bt.best[s.SpanID]; ok {
			setUsage(s, &f)
		}
		b.emitted.add(s.SpanID)
		out = append(out, *s)
	}
	return out
}

func (bt *batch) sessionRange(id string) *timeRange {
	r, ok := bt.spanOf[id]
	if !ok {
		r = &timeRange{}
		bt.spanOf[id] = r
	}
	return r
}

func (bt *batch) fact(f *facts.Fact) {
	// A compaction summarizer is a subagent without a spawning tool call:
	// its interaction span starts with its first fact.
	if f.SessionType == facts.SessionCompaction && f.SessionID != "" && f.Event != facts.EventSubagentLinked {
		bt.agent(f.SessionID, nil)
	}
	switch f.Event {
	case facts.EventUserPrompt:
		bt.prompt(f)
	case facts.EventAPIRequest:
		bt.llmRequest(f)
	case facts.EventAPIError:
		bt.apiError(f)
	case facts.EventToolResult:
		bt.toolResult(f)
	case facts.EventSubagentLinked:
		if child := linkChild(f); child != "" && f.ToolUseID != "" {
			bt.agent(child, f)
		}
	case facts.EventCompaction:
		bt.compaction(f)
	case facts.EventCommit:
		bt.toolEvent(f, EventCommit, Attr{AttrCommitSHA, f.CommitSHA})
	case facts.EventPullRequest:
		bt.toolEvent(f, EventPR, Attr{AttrPRURL, f.PRURL}, Attr{AttrPRNumber, f.PRNumber})
	case facts.EventHook:
		bt.hook(f)
	case facts.EventFileUpdate:
		bt.toolEvent(f, EventFileUpdate, Attr{AttrFilePath, f.FilePath},
			Attr{AttrLinesAdded, f.Additions}, Attr{AttrLinesRemoved, f.Deletions})
	}
}

// isChild reports whether f belongs to a subagent, sidechain or compaction
// entity, whose spans hang below the entity's agent span.
func isChild(f *facts.Fact) bool {
	switch f.SessionType {
	case facts.SessionSubagent, facts.SessionSidechain, facts.SessionCompaction:
		return true
	}
	return f.ParentSessionID != ""
}

// parentOf is the span a request or tool call of f's session hangs below:
// the subagent's agent span (from ids alone), else the interaction of the
// session's latest prompt (zero when no prompt was seen since the receiver
// started: the span is then a root of its trace).
func (bt *batch) parentOf(f *facts.Fact) SpanID {
	if isChild(f) {
		return AgentSpanID(f.SessionID)
	}
	return bt.b.current[f.SessionID]
}

// start creates a pending span unless it was emitted before or is pending
// already; it returns nil in the first case.
func (bt *batch) start(id, parent SpanID, name string, f *facts.Fact) (*Span, bool) {
	if s, ok := bt.pending[id]; ok {
		return s, false
	}
	if bt.b.emitted.has(id) {
		return nil, false
	}
	s := &Span{
		TraceID:      TraceIDFor(f.RootSessionID),
		SpanID:       id,
		ParentSpanID: parent,
		Name:         name,
		Start:        f.Time,
		End:          f.Time,
		Attrs:        make([]Attr, 0, maxSpanAttrs),
	}
	bt.pending[id] = s
	bt.parents[id] = parent
	bt.order = append(bt.order, s)
	return s, true
}

// widen stretches the pending ancestors of parent (not the tool span a
// subagent hangs below: a tool's times are measured) to cover [from, to].
func (bt *batch) widen(parent SpanID, from, to time.Time) {
	for n := 0; !parent.IsEmpty() && n < 64; n++ {
		p, ok := bt.pending[parent]
		if !ok || p.Name == SpanTool {
			return
		}
		p.cover(from)
		p.cover(to)
		parent = bt.parents[parent]
	}
}

func sessionAttrs(s *Span, f *facts.Fact, sessionID, sessionType string) {
	s.set(AttrSessionID, sessionID)
	if f.RootSessionID != "" {
		s.set(AttrRootSessionID, f.RootSessionID)
	}
	if sessionType != "" {
		s.set(AttrSessionType, sessionType)
	}
	if f.Project != "" {
		s.set(AttrProject, f.Project)
	}
}
