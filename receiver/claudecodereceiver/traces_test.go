package claudecodereceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/traces"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

// tracesFixture is a 2.1-layout session whose first prompt runs two
// subagents in parallel (Task toolu_taskA → agent a1111aa, Task toolu_taskB
// → agent b2222bb, each with its .meta.json), then a compaction, an API
// error and a failing Bash call under the second prompt.
const (
	tracesFixture  = "testdata/traces"
	tracesSession  = "44444444-4444-4444-8444-444444444444"
	tracesGolden   = "testdata/traces/expected_traces.json"
	fixtureAgentA  = tracesSession + "/agent-a1111aa"
	fixtureAgentB  = tracesSession + "/agent-b2222bb"
	fixtureCompact = tracesSession + "/agent-acompact-9a9a9a"
)

// fixtureFacts extracts the fixture's files in Discover order, each with its
// own Extractor, as one batch.
func fixtureFacts(t *testing.T) []facts.Fact {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join(tracesFixture, "projects"))
	require.NoError(t, err)
	infos, err := transcript.Discover([]string{dir})
	require.NoError(t, err)
	var out []facts.Fact
	emit := func(f facts.Fact) { out = append(out, f) }
	for _, fi := range infos {
		data, err := os.ReadFile(fi.Path)
		require.NoError(t, err)
		e := transcript.NewExtractor(fi, transcript.DefaultOptions())
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			require.NoError(t, e.Line(l, emit))
		}
		e.EndBatch(emit)
	}
	return out
}

// TestTracesGolden pins the pdata the fixture becomes (span names, ids,
// nesting, gen_ai attributes, status, events). Regenerate with
// `go test -run TestTracesGolden -update` and review the diff.
func TestTracesGolden(t *testing.T) {
	td := toTraces(traces.NewBuilder().Add(fixtureFacts(t)), "claude-code", "")
	raw, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	require.NoError(t, err)
	var got bytes.Buffer
	require.NoError(t, json.Indent(&got, raw, "", "  "))
	got.WriteByte('\n')
	if *updateGolden {
		require.NoError(t, os.WriteFile(tracesGolden, got.Bytes(), 0o644))
	}
	want, err := os.ReadFile(tracesGolden)
	require.NoError(t, err, "run with -update to create it")
	assert.Equal(t, string(want), got.String())

	// The golden file must itself round-trip as OTLP JSON.
	back, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(want)
	require.NoError(t, err)
	assert.Equal(t, td.SpanCount(), back.SpanCount())
}

func TestToTracesMapsKindStatusAndValues(t *testing.T) {
	t0 := time.Date(2026, 10, 5, 10, 0, 0, 0, time.UTC)
	td := toTraces([]traces.Span{{
		TraceID: traces.TraceIDFor("s"), SpanID: traces.ToolSpanID("x"), ParentSpanID: traces.InteractionSpanID("p"),
		Name: traces.SpanLLMRequest, Kind: traces.KindClient, Start: t0, End: t0.Add(time.Second),
		Status: traces.StatusError, StatusMsg: "boom",
		Attrs:  []traces.Attr{{Key: "s", Value: "v"}, {Key: "i", Value: int64(3)}, {Key: "d", Value: 0.5}, {Key: "b", Value: true}},
		Events: []traces.Event{{Name: "e", Time: t0, Attrs: []traces.Attr{{Key: "k", Value: int64(1)}}}},
	}}, "claude-code", "laptop")
	rs := td.ResourceSpans().At(0)
	host, _ := rs.Resource().Attributes().Get("host.name")
	assert.Equal(t, "laptop", host.Str())
	sp := rs.ScopeSpans().At(0).Spans().At(0)
	assert.Equal(t, ptrace.SpanKindClient, sp.Kind())
	assert.Equal(t, ptrace.StatusCodeError, sp.Status().Code())
	assert.Equal(t, "boom", sp.Status().Message())
	assert.Equal(t, pcommon.SpanID(traces.InteractionSpanID("p")), sp.ParentSpanID())
	assert.Equal(t, map[string]any{"s": "v", "i": int64(3), "d": 0.5, "b": true}, sp.Attributes().AsRaw())
	assert.Equal(t, 1, sp.Events().Len())
	assert.Equal(t, time.Second, sp.EndTimestamp().AsTime().Sub(sp.StartTimestamp().AsTime()))
}

// spanShape is what a span's identity and place in the tree are.
type spanShape struct {
	trace  pcommon.TraceID
	parent pcommon.SpanID
	name   string
}

// runTraces backfills dir with a fresh receiver (small batches, memory
// checkpoints) and returns every span it emitted by id, failing on a span
// emitted twice.
func runTraces(t *testing.T, dir string) (map[pcommon.SpanID]spanShape, map[pcommon.SpanID]ptrace.Span) {
	t.Helper()
	cfg := newTestConfig(dir)
	sink := new(consumertest.TracesSink)
	logs := new(consumertest.LogsSink)
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type)
	f := NewFactory()
	lr, err := f.CreateLogs(context.Background(), set, cfg, logs)
	require.NoError(t, err)
	tr, err := f.CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.Same(t, lr, tr, "one reader serves logs and traces")
	require.NoError(t, lr.Start(context.Background(), componenttest.NewNopHost()))
	require.Eventually(t, func() bool { return backfillDone(logs.AllLogs()) }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, lr.Shutdown(context.Background()))

	shapes := map[pcommon.SpanID]spanShape{}
	spans := map[pcommon.SpanID]ptrace.Span{}
	for _, td := range sink.AllTraces() {
		ss := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for i := 0; i < ss.Len(); i++ {
			sp := ss.At(i)
			_, dup := spans[sp.SpanID()]
			require.False(t, dup, "span %s %s emitted twice", sp.Name(), sp.SpanID())
			spans[sp.SpanID()] = sp
			shapes[sp.SpanID()] = spanShape{sp.TraceID(), sp.ParentSpanID(), sp.Name()}
		}
	}
	return shapes, spans
}

// TestReceiverTracesNestSubagentsAndReplayIdentically runs the real
// receiver (parallel readers, batches of 7 facts, so subagent files and
// their parent land in different batches in any order) twice over the
// fixture: the subagents hang below their Task calls both times, and the
// second run yields exactly the same span ids, traces and parents.
func TestReceiverTracesNestSubagentsAndReplayIdentically(t *testing.T) {
	dir, err := filepath.Abs(tracesFixture)
	require.NoError(t, err)
	first, spans := runTraces(t, dir)

	trace := pcommon.TraceID(traces.TraceIDFor(tracesSession))
	for id, sh := range first {
		assert.Equal(t, trace, sh.trace, "span %s %s", sh.name, id)
	}
	for _, tc := range []struct{ agent, task string }{
		{fixtureAgentA, "toolu_taskA"},
		{fixtureAgentB, "toolu_taskB"},
	} {
		agent := pcommon.SpanID(traces.AgentSpanID(tc.agent))
		task := pcommon.SpanID(traces.ToolSpanID(tc.task))
		require.Contains(t, first, agent)
		assert.Equal(t, traces.SpanInteraction, first[agent].name)
		assert.Equal(t, task, first[agent].parent, "%s below its Task call", tc.agent)
		assert.Equal(t, pcommon.SpanID(traces.InteractionSpanID("u1")), first[task].parent)
		children := 0
		for _, sh := range first {
			if sh.parent == agent {
				children++
			}
		}
		assert.Equal(t, 3, children, "%s: two requests and one tool call", tc.agent)
	}
	bash := spans[pcommon.SpanID(traces.ToolSpanID("toolu_bashB"))]
	assert.Equal(t, ptrace.StatusCodeError, bash.Status().Code())

	second, _ := runTraces(t, dir)
	// Only the compaction may differ in form: an event of its interaction
	// when both share a batch, its own span otherwise.
	for _, m := range []map[pcommon.SpanID]spanShape{first, second} {
		delete(m, pcommon.SpanID(traces.CompactionSpanID("c0")))
	}
	assert.Equal(t, first, second)
}
