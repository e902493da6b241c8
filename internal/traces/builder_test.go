package traces

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestFixtureNestsSubagentsUnderTheirTaskCalls(t *testing.T) {
	spans := NewBuilder().Add(concat(fileFacts(t)...))
	trace := TraceIDFor(fixtureSession)
	for _, s := range spans {
		assert.Equal(t, trace, s.TraceID, "%s %v: one trace per root session", s.Name, s.Attr(AttrSessionID))
	}

	// Two prompts → two root interactions of the main session.
	var roots []Span
	for _, s := range spans {
		if s.ParentSpanID.IsEmpty() {
			roots = append(roots, s)
		}
	}
	require.Len(t, roots, 3, "two prompts and the compaction summarizer")
	assert.Equal(t, InteractionSpanID("u1"), roots[0].SpanID)
	assert.Equal(t, InteractionSpanID("u2"), roots[1].SpanID)
	assert.Equal(t, AgentSpanID(agentCompact), roots[2].SpanID)
	assert.Equal(t, "compaction", roots[2].Attr(AttrGenAIAgentName))

	// Each subagent interaction hangs below the Task call that spawned it,
	// and that call below the first prompt's interaction.
	for _, tc := range []struct {
		agent, toolUse, agentType string
		tools                     []string
	}{
		{agentA, "toolu_taskA", "Explore", []string{"toolu_grepA"}},
		{agentB, "toolu_taskB", "general-purpose", []string{"toolu_bashB"}},
	} {
		t.Run(tc.agentType, func(t *testing.T) {
			ag := find(t, spans, AgentSpanID(tc.agent))
			assert.Equal(t, SpanInteraction, ag.Name)
			assert.Equal(t, ToolSpanID(tc.toolUse), ag.ParentSpanID)
			assert.Equal(t, tc.agentType, ag.Attr(AttrGenAIAgentName))
			assert.Equal(t, OpInvokeAgent, ag.Attr(AttrGenAIOperation))
			assert.Equal(t, tc.toolUse, ag.Attr(AttrParentToolUse))

			task := find(t, spans, ToolSpanID(tc.toolUse))
			assert.Equal(t, InteractionSpanID("u1"), task.ParentSpanID)
			assert.Equal(t, "Task", task.Attr(AttrGenAIToolName))
			assert.False(t, ag.Start.Before(task.Start), "the subagent starts after its Task call")

			var tools []string
			var requests int
			for _, s := range spans {
				if s.ParentSpanID != ag.SpanID {
					continue
				}
				assert.Equal(t, tc.agent, s.Attr(AttrSessionID))
				switch s.Name {
				case SpanTool:
					tools = append(tools, s.Attr(AttrGenAIToolCallID).(string))
				case SpanLLMRequest:
					requests++
					assert.Equal(t, "subagent", s.Attr(AttrQuerySource))
				}
			}
			assert.Equal(t, tc.tools, tools)
			assert.Equal(t, 2, requests)
		})
	}
}

func TestFixtureAttributesAndStatus(t *testing.T) {
	spans := NewBuilder().Add(concat(fileFacts(t)...))

	// Three streaming copies of msg_M1: one span, the largest copy's usage,
	// gen_ai input including cached tokens (semconv), Anthropic's raw too.
	m1 := find(t, spans, LLMRequestSpanID("msg_M1"))
	assert.Len(t, slices.DeleteFunc(slices.Clone(spans), func(s Span) bool { return s.SpanID != m1.SpanID }), 1)
	assert.Equal(t, KindClient, m1.Kind)
	assert.Equal(t, OpChat, m1.Attr(AttrGenAIOperation))
	assert.Equal(t, ProviderName, m1.Attr(AttrGenAIProvider))
	assert.Equal(t, "claude-opus-4-6", m1.Attr(AttrGenAIRequestModel))
	assert.Equal(t, "msg_M1", m1.Attr(AttrGenAIResponseID))
	assert.Equal(t, int64(3+6000+12000), m1.Attr(AttrGenAIInputTokens))
	assert.Equal(t, int64(3), m1.Attr(AttrInputTokens))
	assert.Equal(t, int64(250), m1.Attr(AttrGenAIOutputTokens))
	assert.Equal(t, int64(12000), m1.Attr(AttrGenAICacheRead))
	assert.Equal(t, int64(6000), m1.Attr(AttrGenAICacheCreation))
	assert.Positive(t, m1.Attr(AttrCostNanos))
	at := func(s string) time.Time { return time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC).Add(mustDur(s)) }
	assert.Equal(t, at("0.5s"), m1.Start, "sent right after the prompt")
	assert.Equal(t, at("3.5s"), m1.End, "last streaming copy")

	edit := find(t, spans, ToolSpanID("toolu_edit1"))
	assert.Equal(t, StatusUnset, edit.Status)
	assert.Equal(t, at("30s"), edit.Start)
	assert.Equal(t, at("31.2s"), edit.End)
	assert.Equal(t, int64(1200), edit.Attr(AttrDurationMs))
	require.Len(t, edit.Events, 2, "the file update and a PostToolUse hook")
	assert.Equal(t, EventFileUpdate, edit.Events[0].Name)

	bash := find(t, spans, ToolSpanID("toolu_bash1"))
	assert.Equal(t, StatusError, bash.Status)
	assert.Equal(t, "exit_code", bash.Attr(AttrErrorType))
	assert.Equal(t, int64(1), bash.Attr(AttrExitCode))
	assert.Equal(t, false, bash.Attr(AttrSuccess))

	apiErr := find(t, spans, APIErrorSpanID("a6"))
	assert.Equal(t, SpanLLMRequest, apiErr.Name)
	assert.Equal(t, StatusError, apiErr.Status)
	assert.Equal(t, "529", apiErr.Attr(AttrErrorType))
	assert.Contains(t, apiErr.StatusMsg, "Overloaded")

	// The first interaction ends with its last child (here its Stop hook);
	// the compaction is an event of the second.
	u1 := find(t, spans, InteractionSpanID("u1"))
	assert.Equal(t, at("0.5s"), u1.Start)
	assert.Equal(t, at("35.1s"), u1.End)
	assert.Equal(t, int64(66), u1.Attr(AttrPromptLength))
	u2 := find(t, spans, InteractionSpanID("u2"))
	require.Len(t, u2.Events, 1)
	assert.Equal(t, EventCompaction, u2.Events[0].Name)
	assert.Contains(t, u2.Events[0].Attrs, Attr{AttrCompactTrigger, "auto"})
	assert.Contains(t, u2.Events[0].Attrs, Attr{AttrPreTokens, int64(151000)})
	assert.Empty(t, byName(spans, SpanCompaction))
}

func TestFixtureHookEvents(t *testing.T) {
	spans := NewBuilder().Add(concat(fileFacts(t)...))
	hooks := func(s Span) []Event {
		return slices.DeleteFunc(slices.Clone(s.Events), func(e Event) bool { return e.Name != EventHook })
	}
	for _, tc := range []struct {
		name  string
		span  SpanID
		attrs []Attr // of the span's only hook event
	}{
		{"PreToolUse: start and outcome are one event", ToolSpanID("toolu_bash1"), []Attr{
			{AttrHookEvent, "PreToolUse"}, {AttrHookName, "PreToolUse:Bash"}, {AttrHookStatus, "success"},
			{AttrSuccess, true}, {AttrDurationMs, int64(180)}, {AttrExitCode, int64(0)}}},
		{"PostToolUse blocking error", ToolSpanID("toolu_edit1"), []Attr{
			{AttrHookEvent, "PostToolUse"}, {AttrHookName, "PostToolUse:Edit"}, {AttrHookStatus, "blocking_error"},
			{AttrSuccess, false}, {AttrErrorType, "blocking_error"}}},
		{"Stop hook and its summary, on the interaction", InteractionSpanID("u1"), []Attr{
			{AttrHookEvent, "Stop"}, {AttrHookName, "Stop"}, {AttrHookStatus, "success"}, {AttrSuccess, true}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			evs := hooks(find(t, spans, tc.span))
			require.Len(t, evs, 1)
			assert.Equal(t, tc.attrs, evs[0].Attrs)
		})
	}
	// The SessionStart hook ran before the first prompt: no span to carry it.
	var n int
	for _, s := range spans {
		n += len(hooks(s))
	}
	assert.Equal(t, 3, n)
}

func TestHookWithoutItsToolSpanFallsBackToTheInteraction(t *testing.T) {
	ts := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
	base := facts.Fact{SessionID: "s1", RootSessionID: "s1", SessionType: facts.SessionMain}
	at := func(f facts.Fact, key, event string, d time.Duration) facts.Fact {
		f.Key, f.Event, f.Time = key, event, ts.Add(d)
		return f
	}
	prompt := at(base, "prompt:u1", facts.EventUserPrompt, 0)
	hook := at(base, "hook:toolu_1:PreToolUse:1", facts.EventHook, time.Second)
	hook.ToolUseID, hook.Status, hook.Payload = "toolu_1", "started", `{"hookEvent":"PreToolUse","hookName":"PreToolUse:Bash"}`
	result := at(base, "toolres:toolu_1", facts.EventToolResult, 2*time.Second)
	result.ToolUseID = "toolu_1"

	// Same batch: on the tool span, although the hook came first.
	spans := NewBuilder().Add([]facts.Fact{prompt, hook, result})
	require.Len(t, spans, 2)
	assert.Empty(t, find(t, spans, InteractionSpanID("u1")).Events)
	require.Len(t, find(t, spans, ToolSpanID("toolu_1")).Events, 1)

	// The result in a later batch: on the interaction, which covers it.
	b := NewBuilder()
	first := b.Add([]facts.Fact{prompt, hook})
	require.Len(t, first, 1)
	require.Len(t, first[0].Events, 1)
	assert.Equal(t, EventHook, first[0].Events[0].Name)
	assert.Equal(t, ts.Add(time.Second), first[0].End)
	assert.Empty(t, b.Add([]facts.Fact{result})[0].Events)
}

func mustDur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestIdentityIndependentOfOrderAndBatching: ids and nesting come from ids
// alone, so neither the order in which files are read (a subagent file
// before its parent) nor batch boundaries change them, and each span is
// emitted once.
func TestIdentityIndependentOfOrderAndBatching(t *testing.T) {
	files := fileFacts(t)
	want := shapes(NewBuilder().Add(concat(files...)))
	reversed := slices.Clone(files)
	slices.Reverse(reversed)

	perFact := func(parts [][]facts.Fact) [][]facts.Fact {
		var out [][]facts.Fact
		for _, f := range concat(parts...) {
			out = append(out, []facts.Fact{f})
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		batches [][]facts.Fact
	}{
		{"one batch, subagents first", [][]facts.Fact{concat(reversed...)}},
		{"one batch per file", files},
		{"one batch per file, subagents first", reversed},
		{"one batch per fact", perFact(files)},
		{"one batch per fact, subagents first", perFact(reversed)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder()
			var all []Span
			for _, batch := range tc.batches {
				all = append(all, b.Add(batch)...)
			}
			got := shapes(all)
			ids := map[SpanID]int{}
			for _, s := range all {
				ids[s.SpanID]++
				assert.Equal(t, 1, ids[s.SpanID], "%s %s emitted twice", s.Name, s.SpanID)
			}
			// A compaction whose interaction left in an earlier batch
			// rides on its own span; everything else is identical.
			for id, sh := range got {
				if sh.Name == SpanCompaction {
					assert.Equal(t, InteractionSpanID("u2"), sh.Parent)
					delete(got, id)
				}
			}
			assert.Equal(t, want, got)
		})
	}
}

func TestReplayYieldsIdenticalSpans(t *testing.T) {
	in := concat(fileFacts(t)...)
	first := NewBuilder().Add(in)
	second := NewBuilder().Add(in)
	assert.Equal(t, first, second)

	// The same Builder never emits a span twice.
	b := NewBuilder()
	require.NotEmpty(t, b.Add(in))
	assert.Empty(t, b.Add(in))
}

func TestSubagentLinkedLaterBatchKeepsParent(t *testing.T) {
	// 2.0 layout: no meta.json; the link only comes with the Task result,
	// read after the subagent's own lines.
	ts := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
	child := "s1/agent-x1"
	sub := []facts.Fact{
		{Key: "req:m1", Event: facts.EventAPIRequest, Time: ts.Add(2 * time.Second), SessionID: child,
			ParentSessionID: "s1", RootSessionID: "s1", SessionType: facts.SessionSubagent, MessageID: "m1", Model: "claude-opus-4-6"},
	}
	link := []facts.Fact{
		{Key: "agentlink:s1:x1", Event: facts.EventSubagentLinked, Time: ts.Add(5 * time.Second), SessionID: "s1",
			RootSessionID: "s1", SessionType: facts.SessionMain, AgentID: "x1", AgentType: "Plan", ToolUseID: "toolu_1",
			Payload: `{"childSessionId":"s1/agent-x1","source":"tool_use_result"}`},
	}
	b := NewBuilder()
	got := append(b.Add(sub), b.Add(link)...)
	require.Len(t, got, 2)
	assert.Equal(t, AgentSpanID(child), got[0].ParentSpanID)
	assert.Equal(t, AgentSpanID(child), got[1].SpanID)
	assert.Equal(t, ToolSpanID("toolu_1"), got[1].ParentSpanID)
	assert.Equal(t, ts.Add(5*time.Second), got[1].Start, "no subagent line in its batch: the link's time")
	assert.Equal(t, "Plan", got[1].Attr(AttrGenAIAgentName))
}

func TestRequestWithoutPromptIsARootSpan(t *testing.T) {
	// Tailing resumed mid-interaction (the prompt was read before a
	// restart): the request has no known interaction.
	f := facts.Fact{Key: "req:m1", Event: facts.EventAPIRequest, Time: time.Unix(100, 0).UTC(), SessionID: "s1",
		RootSessionID: "s1", SessionType: facts.SessionMain, MessageID: "m1"}
	got := NewBuilder().Add([]facts.Fact{f})
	require.Len(t, got, 1)
	assert.True(t, got[0].ParentSpanID.IsEmpty())
	assert.Equal(t, TraceIDFor("s1"), got[0].TraceID)
}
