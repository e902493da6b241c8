package traces

import "time"

// Span names: Claude Code's native span names (native-otel.md §1.6), so
// views built for native traces work on transcript-derived ones.
const (
	SpanInteraction = "claude_code.interaction"
	SpanLLMRequest  = "claude_code.llm_request"
	SpanTool        = "claude_code.tool"
	SpanCompaction  = "claude_code.compaction"
)

// Span event names.
const (
	EventCompaction = "claude_code.compaction"
	EventCommit     = "ccdash.commit"
	EventPR         = "ccdash.pull_request"
	EventFileUpdate = "ccdash.file_update"
	EventHook       = "claude_code.hook" // one hook execution (native detailed tracing makes it a span)
)

// Kind is the span kind (the OTLP enum's meaning, not its numbers).
type Kind int

const (
	KindInternal Kind = iota
	KindClient        // an API request leaves the process
)

// Status is the span status code.
type Status int

const (
	StatusUnset Status = iota
	StatusError
)

// Attr is one attribute. Value is a string, int64, float64 or bool.
type Attr struct {
	Key   string
	Value any
}

// Event is a span event.
type Event struct {
	Name  string
	Time  time.Time
	Attrs []Attr
}

// Span is one span, independent of any telemetry SDK or pdata type.
type Span struct {
	TraceID      TraceID
	SpanID       SpanID
	ParentSpanID SpanID // zero: a root span of its trace
	Name         string
	Kind         Kind
	Start, End   time.Time
	Status       Status
	StatusMsg    string
	Attrs        []Attr
	Events       []Event
}

// Attr returns the value of attribute key, or nil.
func (s *Span) Attr(key string) any {
	for _, a := range s.Attrs {
		if a.Key == key {
			return a.Value
		}
	}
	return nil
}

func (s *Span) set(key string, v any) {
	for i := range s.Attrs {
		if s.Attrs[i].Key == key {
			s.Attrs[i].Value = v
			return
		}
	}
	s.Attrs = append(s.Attrs, Attr{key, v})
}

// cover widens the span to include t.
func (s *Span) cover(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.Start.IsZero() || t.Before(s.Start) {
		s.Start = t
	}
	if t.After(s.End) {
		s.End = t
	}
}
