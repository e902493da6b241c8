package traces

import (
	"encoding/json"
	"slices"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// pendingHook is one hook execution of the batch, placed on a span when the
// batch ends: a PreToolUse hook runs before the tool call's result, which is
// what creates the tool span.
type pendingHook struct {
	tool     SpanID // the tool call's span, zero for hooks of no tool call
	fallback SpanID // the session's current interaction when the hook ran
	ev       Event
}

type hookPayload struct {
	HookEvent string `json:"hookEvent"`
	HookName  string `json:"hookName"`
}

// hook records a hook execution. A later fact of the same execution (its
// outcome after its start; transcript/hooks.go keys them alike) replaces
// the event's attributes; its time stays the earliest seen.
func (bt *batch) hook(f *facts.Fact) {
	if f.Key == "" {
		return
	}
	var p hookPayload
	if f.Payload != "" {
		_ = json.Unmarshal([]byte(f.Payload), &p)
	}
	ev := Event{Name: EventHook, Time: f.Time, Attrs: make([]Attr, 0, 7)}
	for _, a := range []Attr{{AttrHookEvent, p.HookEvent}, {AttrHookName, p.HookName}, {AttrHookStatus, f.Status}} {
		if a.Value != "" {
			ev.Attrs = append(ev.Attrs, a)
		}
	}
	switch f.Status {
	case transcript.HookStatusStarted, transcript.HookStatusCompleted, "":
		// outcome unknown
	default:
		ev.Attrs = append(ev.Attrs, Attr{AttrSuccess, !f.IsError})
	}
	if f.IsError {
		ev.Attrs = append(ev.Attrs, Attr{AttrErrorType, f.Status})
	}
	if f.DurationMs > 0 {
		ev.Attrs = append(ev.Attrs, Attr{AttrDurationMs, f.DurationMs})
	}
	if f.ExitCode != nil {
		ev.Attrs = append(ev.Attrs, Attr{AttrExitCode, *f.ExitCode})
	}
	if h, ok := bt.hooks[f.Key]; ok {
		if !h.ev.Time.IsZero() && h.ev.Time.Before(ev.Time) {
			ev.Time = h.ev.Time // the event marks when the hook ran
		}
		h.ev = ev
		return
	}
	h := &pendingHook{fallback: bt.parentOf(f), ev: ev}
	if f.ToolUseID != "" {
		h.tool = ToolSpanID(f.ToolUseID)
	}
	bt.hooks[f.Key] = h
	bt.hookOrder = append(bt.hookOrder, h)
}

// placeHooks puts each hook event on its tool call's span when that span
// is in the batch, else on the interaction that was current when the hook
// ran when that one is, else nowhere: the span left in an earlier batch.
func (bt *batch) placeHooks() {
	var touched []*Span
	for _, h := range bt.hookOrder {
		s, ok := bt.pending[h.tool]
		if h.tool.IsEmpty() || !ok {
			if s, ok = bt.pending[h.fallback]; !ok || h.fallback.IsEmpty() {
				continue
			}
			s.cover(h.ev.Time) // an interaction covers what happened in it; a tool's times are measured
		}
		s.Events = append(s.Events, h.ev)
		touched = append(touched, s)
	}
	for _, s := range touched {
		slices.SortStableFunc(s.Events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	}
}
