package claudecodereceiver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadatatest"
)

// testdataClaude is the repository's own transcript tree (testdata/claude).
func testdataClaude(t *testing.T) string {
	// Tests run in the package directory (runtime.Caller paths are not
	// usable under -trimpath).
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "claude"))
	require.NoError(t, err)
	_, err = os.Stat(dir)
	require.NoError(t, err)
	return dir
}

type harness struct {
	logs    *consumertest.LogsSink
	metrics *consumertest.MetricsSink
	rcv     *claudeCodeReceiver
}

func startReceiver(t *testing.T, cfg *Config, host component.Host, logs consumer.Logs) *harness {
	t.Helper()
	h := &harness{metrics: new(consumertest.MetricsSink)}
	if logs == nil {
		h.logs = new(consumertest.LogsSink)
		logs = h.logs
	}
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // stable: checkpoints are scoped by receiver ID
	f := NewFactory()
	lr, err := f.CreateLogs(context.Background(), set, cfg, logs)
	require.NoError(t, err)
	mr, err := f.CreateMetrics(context.Background(), set, cfg, h.metrics)
	require.NoError(t, err)
	require.Same(t, lr, mr, "one reader serves both signals")
	require.NoError(t, lr.Start(context.Background(), host))
	require.NoError(t, mr.Start(context.Background(), host))
	h.rcv = lr.(*claudeCodeReceiver)
	t.Cleanup(func() {
		assert.NoError(t, lr.Shutdown(context.Background()))
		assert.NoError(t, mr.Shutdown(context.Background()))
	})
	return h
}

func factsOf(lds []plog.Logs) []facts.Fact {
	var out []facts.Fact
	for _, ld := range lds {
		fs, _ := factlog.DecodeAll(ld)
		out = append(out, fs...)
	}
	return out
}

func backfillDone(lds []plog.Logs) bool {
	for _, f := range factsOf(lds) {
		if f.IngestInfo != nil && f.IngestInfo.BackfillComplete {
			return true
		}
	}
	return false
}

// tokenTotals sums the latest cumulative claude_code.token.usage of every
// (type, model) series by type.
func tokenTotals(mds []pmetric.Metrics) map[string]int64 {
	latest := map[[2]string]int64{}
	for _, md := range mds {
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			sms := rms.At(i).ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					m := ms.At(k)
					if m.Name() != metricTokenUsage {
						continue
					}
					dps := m.Sum().DataPoints()
					for d := 0; d < dps.Len(); d++ {
						typ, _ := dps.At(d).Attributes().Get("type")
						model, _ := dps.At(d).Attributes().Get("model")
						latest[[2]string{typ.Str(), model.Str()}] = dps.At(d).IntValue()
					}
				}
			}
		}
	}
	out := map[string]int64{}
	for k, v := range latest {
		out[k[0]] += v
	}
	return out
}

func newTestConfig(dir string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.ClaudeConfigDir = dir
	cfg.PollInterval = 20 * time.Millisecond
	cfg.BatchSize = 7 // many small batches: exercises split streaming responses across batches
	return cfg
}

func TestReceiverBackfillEmitsFactsAndMetrics(t *testing.T) {
	h := startReceiver(t, newTestConfig(testdataClaude(t)), componenttest.NewNopHost(), nil)
	require.Eventually(t, func() bool { return backfillDone(h.logs.AllLogs()) }, 30*time.Second, 20*time.Millisecond)

	byEvent := map[string]int{}
	for _, f := range factsOf(h.logs.AllLogs()) {
		byEvent[f.Event]++
		assert.NotEmpty(t, f.Key)
	}
	assert.Positive(t, byEvent[facts.EventAPIRequest])
	assert.Equal(t, 1, byEvent[facts.EventCommit])
	assert.Positive(t, byEvent[facts.EventToolResult])

	// Metric totals are de-duplicated like the store: ccusage's totals for
	// testdata/claude (see test/pipeline).
	require.Eventually(t, func() bool { return tokenTotals(h.metrics.AllMetrics())["output"] == 2431 }, 10*time.Second, 20*time.Millisecond)
	assert.Equal(t, map[string]int64{"input": 210084, "output": 2431, "cacheCreation": 265137, "cacheRead": 450742},
		tokenTotals(h.metrics.AllMetrics()))
}

func TestReceiverResumesFromCheckpoints(t *testing.T) {
	storageID := storagetest.NewStorageID("checkpoints")
	host := storagetest.NewStorageHost().WithExtension(storageID, storagetest.NewFileBackedStorageExtension("checkpoints", t.TempDir()))
	cfg := newTestConfig(testdataClaude(t))
	cfg.StorageID = &storageID

	h := startReceiver(t, cfg, host, nil)
	require.Eventually(t, func() bool { return backfillDone(h.logs.AllLogs()) }, 30*time.Second, 20*time.Millisecond)
	require.NoError(t, h.rcv.Shutdown(context.Background()))

	// A second receiver with the same checkpoints reads nothing again.
	cfg2 := *cfg
	h2 := startReceiver(t, &cfg2, host, nil)
	require.Eventually(t, func() bool { return backfillDone(h2.logs.AllLogs()) }, 30*time.Second, 20*time.Millisecond)
	for _, f := range factsOf(h2.logs.AllLogs()) {
		assert.Equal(t, facts.EventIngestProgress, f.Event, "nothing but progress after a restart; got %s", f.Key)
	}
}

// failingLogs refuses the first n batches, then accepts.
type failingLogs struct {
	consumertest.LogsSink
	failures atomic.Int64
}

func (f *failingLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	if f.failures.Add(-1) >= 0 {
		return errors.New("database is down")
	}
	return f.LogsSink.ConsumeLogs(ctx, ld)
}

func TestReceiverRetriesRefusedBatchesWithoutLosingData(t *testing.T) {
	ok := startReceiver(t, newTestConfig(testdataClaude(t)), componenttest.NewNopHost(), nil)
	require.Eventually(t, func() bool { return backfillDone(ok.logs.AllLogs()) }, 30*time.Second, 20*time.Millisecond)
	keys := func(lds []plog.Logs) map[string]bool {
		out := map[string]bool{}
		for _, f := range factsOf(lds) {
			if f.Event != facts.EventIngestProgress {
				out[f.Key] = true
			}
		}
		return out
	}
	want := keys(ok.logs.AllLogs())

	flaky := &failingLogs{}
	flaky.failures.Store(3)
	h := startReceiver(t, newTestConfig(testdataClaude(t)), componenttest.NewNopHost(), flaky)
	require.Eventually(t, func() bool { return backfillDone(flaky.AllLogs()) }, time.Minute, 20*time.Millisecond)
	assert.Equal(t, want, keys(flaky.AllLogs()), "every fact arrives despite refused batches")
	assert.Negative(t, flaky.failures.Load(), "the consumer did refuse batches")
	_ = h
}

func TestReceiverCountsUnpricedModelsOnce(t *testing.T) {
	dir := t.TempDir()
	proj := filepath.Join(dir, "projects", "-w")
	require.NoError(t, os.MkdirAll(proj, 0o755))
	line := func(out int) string {
		return `{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/w","sessionId":"s","version":"2.1.39","gitBranch":"main","message":{"model":"claude-future-9","id":"msg_x","type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":` +
			strconv.Itoa(out) + `}},"requestId":"req_x","type":"assistant","uuid":"u` + strconv.Itoa(out) + `","timestamp":"2026-10-01T10:00:00.000Z"}` + "\n"
	}
	require.NoError(t, os.WriteFile(filepath.Join(proj, "s.jsonl"), []byte(line(1)+line(2)+line(3)), 0o644))

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	sink := new(consumertest.LogsSink)
	r, err := NewFactory().CreateLogs(context.Background(), set, newTestConfig(dir), sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	require.Eventually(t, func() bool { return backfillDone(sink.AllLogs()) }, 10*time.Second, 10*time.Millisecond)

	metadatatest.AssertEqualReceiverClaudeCodeUnpricedRequests(t, tel,
		[]metricdata.DataPoint[int64]{{Value: 1}}, metricdatatest.IgnoreTimestamp())
}
