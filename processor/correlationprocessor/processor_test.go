package correlationprocessor

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/metadatatest"
)

var t0 = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)

// sessionFacts: a session on a task branch that makes a commit naming the
// task and opens a PR, plus a native (non-fact) record of the same session.
func sessionFacts() []facts.Fact {
	base := facts.Fact{Time: t0, SessionID: "s1", RootSessionID: "s1", Project: "/p", GitBranch: "feat/AN-001-x"}
	req, commit, pr := base, base, base
	req.Key, req.Event, req.Model = "req:1", facts.EventAPIRequest, "claude-opus-4-6"
	commit.Key, commit.Event, commit.CommitSHA = "commit:abc1234", facts.EventCommit, "abc1234"
	commit.Payload = `{"subject":"AN-001: add analytics","branch":"feat/AN-001-x"}`
	pr.Key, pr.Event, pr.PRURL, pr.PRNumber = "pr:u", facts.EventPullRequest, "https://github.com/o/r/pull/7", 7
	return []facts.Fact{req, commit, pr}
}

func logsOf(fs []facts.Fact) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr(factlog.AttrHostName, "laptop")
	sl := rl.ScopeLogs().AppendEmpty()
	for i := range fs {
		factlog.Encode(&fs[i], sl.LogRecords().AppendEmpty())
	}
	native := sl.LogRecords().AppendEmpty()
	native.Attributes().PutStr(factlog.AttrSessionID, "s1")
	return ld
}

type fixture struct {
	logs    processor.Logs
	metrics processor.Metrics
	traces  processor.Traces
	sink    *consumertest.LogsSink
	msink   *consumertest.MetricsSink
	tsink   *consumertest.TracesSink
}

// newFixture creates all three signals' processors from one config, as a
// collector does, and starts them on host.
func newFixture(t *testing.T, cfg *Config, host component.Host) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{sink: new(consumertest.LogsSink), msink: new(consumertest.MetricsSink), tsink: new(consumertest.TracesSink)}
	set := processortest.NewNopSettings(metadata.Type)
	var err error
	fac := NewFactory()
	f.logs, err = fac.CreateLogs(ctx, set, cfg, f.sink)
	require.NoError(t, err)
	f.metrics, err = fac.CreateMetrics(ctx, set, cfg, f.msink)
	require.NoError(t, err)
	f.traces, err = fac.CreateTraces(ctx, set, cfg, f.tsink)
	require.NoError(t, err)
	for _, c := range []component.Component{f.logs, f.metrics, f.traces} {
		require.NoError(t, c.Start(ctx, host))
	}
	return f
}

func (f *fixture) shutdown(t *testing.T) {
	for _, c := range []component.Component{f.logs, f.metrics, f.traces} {
		require.NoError(t, c.Shutdown(context.Background()))
	}
}

func linkFacts(t *testing.T, ld plog.Logs) map[string]facts.Fact {
	t.Helper()
	fs, _ := factlog.DecodeAll(ld)
	out := map[string]facts.Fact{}
	for _, f := range fs {
		if f.Event == facts.EventLink {
			out[f.Key] = f
		}
	}
	return out
}

func TestLogsLinksAndKeys(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	f := newFixture(t, cfg, componenttest.NewNopHost())
	defer f.shutdown(t)

	require.NoError(t, f.logs.ConsumeLogs(context.Background(), logsOf(sessionFacts())))
	require.Len(t, f.sink.AllLogs(), 1)
	out := f.sink.AllLogs()[0]

	links := linkFacts(t, out)
	want := map[string]float64{
		"link:task:AN-001>session:s1":                          0.95, // branch 0.9, then the commit subject 0.95
		"link:session:s1>commit:abc1234":                       1,
		"link:task:AN-001>commit:abc1234":                      0.95,
		"link:session:s1>pr:https://github.com/o/r/pull/7":     1,
		"link:commit:abc1234>pr:https://github.com/o/r/pull/7": 0.9,
	}
	got := map[string]float64{}
	for k, l := range links {
		got[k] = l.Confidence
		assert.Equal(t, "laptop", l.Host, "a link travels with its evidence's resource")
	}
	assert.Equal(t, want, got)

	recs := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	req := recs.At(0).Attributes()
	v, _ := req.Get(factlog.AttrTaskID)
	assert.Equal(t, "AN-001", v.Str(), "an API request of the session carries its task")
	_, hasRev := req.Get(factlog.AttrCommitSHA)
	assert.False(t, hasRev, "a fact's revision attribute is its own commit only")
	native := recs.At(3).Attributes()
	v, _ = native.Get(factlog.AttrCommitSHA)
	assert.Equal(t, "abc1234", v.Str(), "a native record gets the session's latest commit")
	v, _ = native.Get(factlog.AttrPRNumber)
	assert.EqualValues(t, 7, v.Int())

	// The same batch again: nothing new to say.
	f.sink.Reset()
	require.NoError(t, f.logs.ConsumeLogs(context.Background(), logsOf(sessionFacts())))
	assert.Empty(t, linkFacts(t, f.sink.AllLogs()[0]))
}

func TestMetricsAndTracesGetSessionKeys(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	f := newFixture(t, cfg, componenttest.NewNopHost())
	defer f.shutdown(t)
	ctx := context.Background()
	require.NoError(t, f.logs.ConsumeLogs(ctx, logsOf(sessionFacts())))

	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr(factlog.AttrSessionID, "s1")
	rm.Resource().Attributes().PutStr(factlog.AttrProject, "/p")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("x")
	m.SetEmptySum().DataPoints().AppendEmpty().SetIntValue(1)
	other := rm.ScopeMetrics().At(0).Metrics().AppendEmpty()
	other.SetName("y")
	other.SetEmptyGauge().DataPoints().AppendEmpty().Attributes().PutStr(factlog.AttrSessionID, "unknown")
	require.NoError(t, f.metrics.ConsumeMetrics(ctx, md))
	got := f.msink.AllMetrics()[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics()
	attrs := got.At(0).Sum().DataPoints().At(0).Attributes()
	assertAttrs(t, attrs, map[string]any{
		factlog.AttrTaskID: "AN-001", factlog.AttrCommitSHA: "abc1234", factlog.AttrPRNumber: int64(7),
		factlog.AttrRootSessionID: "s1",
	})
	_, has := attrs.Get(factlog.AttrProject)
	assert.False(t, has, "not repeated when the resource has it")
	assert.Equal(t, 1, got.At(1).Gauge().DataPoints().At(0).Attributes().Len(), "unknown session: untouched")

	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.Attributes().PutStr(attrConversationID, "s1")
	require.NoError(t, f.traces.ConsumeTraces(ctx, td))
	sattrs := f.tsink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	assertAttrs(t, sattrs, map[string]any{factlog.AttrTaskID: "AN-001", factlog.AttrProject: "/p"})
}

func assertAttrs(t *testing.T, m pcommon.Map, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got, ok := m.Get(k)
		if assert.True(t, ok, k) {
			assert.Equal(t, v, got.AsRaw(), k)
		}
	}
}

// memStorage is a storage extension whose clients share one map, so a
// second collector run sees the first one's state.
type memStorage struct {
	component.StartFunc
	component.ShutdownFunc
	data map[string][]byte
}

func (s *memStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return &memClient{data: s.data}, nil
}

type memClient struct{ data map[string][]byte }

func (c *memClient) Get(_ context.Context, k string) ([]byte, error) { return c.data[k], nil }
func (c *memClient) Set(_ context.Context, k string, v []byte) error { c.data[k] = v; return nil }
func (c *memClient) Delete(_ context.Context, k string) error        { delete(c.data, k); return nil }
func (c *memClient) Close(context.Context) error                     { return nil }
func (c *memClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value = c.data[op.Key]
		case storage.Set:
			c.data[op.Key] = op.Value
		case storage.Delete:
			delete(c.data, op.Key)
		}
	}
	return nil
}

type hostWith struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h.exts }

func TestStateSurvivesRestart(t *testing.T) {
	id := component.MustNewIDWithName("file_storage", "correlation")
	st := &memStorage{data: map[string][]byte{}}
	host := hostWith{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: st}}
	cfg := createDefaultConfig().(*Config)
	cfg.StorageID = &id
	ctx := context.Background()

	f := newFixture(t, cfg, host)
	require.NoError(t, f.logs.ConsumeLogs(ctx, logsOf(sessionFacts())))
	require.NotEmpty(t, linkFacts(t, f.sink.AllLogs()[0]))
	f.shutdown(t)
	assert.NotEmpty(t, st.data)

	cfg2 := createDefaultConfig().(*Config) // a new collector run: a new config object
	cfg2.StorageID = &id
	f = newFixture(t, cfg2, host)
	defer f.shutdown(t)
	require.NoError(t, f.logs.ConsumeLogs(ctx, logsOf(sessionFacts())))
	assert.Empty(t, linkFacts(t, f.sink.AllLogs()[0]), "links known before the restart are not emitted again")

	// A later record of the session, alone in its batch, still gets the task.
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Attributes().PutStr(factlog.AttrSessionID, "s1")
	require.NoError(t, f.logs.ConsumeLogs(ctx, ld))
	assertAttrs(t, f.sink.AllLogs()[1].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes(),
		map[string]any{factlog.AttrTaskID: "AN-001"})
}

func TestMissingStorageFailsStart(t *testing.T) {
	id := component.MustNewID("file_storage")
	cfg := createDefaultConfig().(*Config)
	cfg.StorageID = &id
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(metadata.Type), cfg, consumertest.NewNop())
	require.NoError(t, err)
	assert.ErrorContains(t, p.Start(context.Background(), componenttest.NewNopHost()), "storage extension file_storage not found")
	require.NoError(t, p.Shutdown(context.Background()))
}

// failingStorage's clients fail every operation.
type failingStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

func (failingStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return failingClient{}, nil
}

type failingClient struct{}

var errDisk = errors.New("disk gone")

func (failingClient) Get(context.Context, string) ([]byte, error)        { return nil, errDisk }
func (failingClient) Set(context.Context, string, []byte) error          { return errDisk }
func (failingClient) Delete(context.Context, string) error               { return errDisk }
func (failingClient) Batch(context.Context, ...*storage.Operation) error { return errDisk }
func (failingClient) Close(context.Context) error                        { return nil }

func TestTelemetryAndStorageErrors(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	id := component.MustNewID("file_storage")
	host := hostWith{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{id: failingStorage{}}}
	cfg := createDefaultConfig().(*Config)
	cfg.StorageID = &id
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), host))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	// Storage failures cost state, never data: the batch and its links go on.
	require.NoError(t, p.ConsumeLogs(context.Background(), logsOf(sessionFacts())))
	assert.Len(t, linkFacts(t, sink.AllLogs()[0]), 5)
	metadatatest.AssertEqualProcessorCorrelationLinks(t, tel, []metricdata.DataPoint[int64]{{Value: 6}},
		metricdatatest.IgnoreTimestamp()) // task→session twice: branch, then the better commit subject
	metadatatest.AssertEqualProcessorCorrelationSessions(t, tel, []metricdata.DataPoint[int64]{{Value: 1}},
		metricdatatest.IgnoreTimestamp())
	metadatatest.AssertEqualProcessorCorrelationStateErrors(t, tel, []metricdata.DataPoint[int64]{{Value: 2}},
		metricdatatest.IgnoreTimestamp()) // the session's load and the batch write
}
