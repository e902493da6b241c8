package traces

import (
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// toolResult emits the span of a finished tool call, from its tool_use
// (DurationMs before the result; the extractor pairs them) to its result.
// A call whose result is never written (the session died) has no span.
func (bt *batch) toolResult(f *facts.Fact) {
	if f.ToolUseID == "" {
		return
	}
	bt.b.lastInput[f.SessionID] = f.Time
	parent := bt.parentOf(f)
	s, created := bt.start(ToolSpanID(f.ToolUseID), parent, SpanTool, f)
	if !created {
		return
	}
	if f.DurationMs > 0 {
		s.Start = f.Time.Add(-time.Duration(f.DurationMs) * time.Millisecond)
	}
	sessionAttrs(s, f, f.SessionID, f.SessionType)
	s.set(AttrGenAIOperation, OpExecuteTool)
	s.set(AttrGenAIToolType, ToolFunction)
	if f.ToolName != "" {
		s.set(AttrGenAIToolName, f.ToolName)
		s.set(AttrToolName, f.ToolName)
	}
	s.set(AttrGenAIToolCallID, f.ToolUseID)
	s.set(AttrToolUseID, f.ToolUseID)
	s.set(AttrDurationMs, f.DurationMs)
	s.set(AttrSuccess, !f.IsError)
	if f.ExitCode != nil {
		s.set(AttrExitCode, *f.ExitCode)
	}
	if f.AgentID != "" {
		s.set(AttrAgentID, f.AgentID)
	}
	if f.IsError {
		s.Status = StatusError
		class := f.FailureClass
		if class == "" {
			class = transcript.FailureOther
		}
		s.StatusMsg = class
		s.set(AttrErrorType, class)
	}
	bt.widen(parent, s.Start, s.End)
}

// toolEvent attaches what a tool call produced (a commit, a PR, a file
// edit) to its span when the span is in this batch.
func (bt *batch) toolEvent(f *facts.Fact, name string, attrs ...Attr) {
	if f.ToolUseID == "" {
		return
	}
	s, ok := bt.pending[ToolSpanID(f.ToolUseID)]
	if !ok {
		return
	}
	kept := attrs[:0]
	for _, a := range attrs {
		if a.Value != "" && a.Value != int64(0) {
			kept = append(kept, a)
		}
	}
	s.Events = append(s.Events, Event{Name: name, Time: f.Time, Attrs: kept})
}
