package sqlanalyticsexporter

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension"
	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

const blogSession = "22222222-2222-4222-8222-222222222222"

// nativeLogs loads a recorded native OTLP/JSON payload (written from the
// documented schema, reference/native-otel.md §1.5).
func nativeLogs(t *testing.T, name string) plog.Logs {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "native", name))
	require.NoError(t, err)
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(b)
	require.NoError(t, err)
	return ld
}

// transcriptLogs reads one transcript of testdata/claude into the log
// records the claude_code receiver would send.
func transcriptLogs(t *testing.T, project, session string) plog.Logs {
	t.Helper()
	projects := filepath.Join("..", "..", "testdata", "claude", "projects")
	path := filepath.Join(projects, project, session+".jsonl")
	fh, err := os.Open(path)
	require.NoError(t, err)
	defer fh.Close()
	ex := transcript.NewExtractor(transcript.Classify(projects, path), transcript.DefaultOptions())
	var fs []facts.Fact
	sc := bufio.NewScanner(fh)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		require.NoError(t, ex.Line(sc.Bytes(), func(f facts.Fact) { fs = append(fs, f) }))
	}
	require.NoError(t, sc.Err())
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "laptop-a")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range fs {
		factlog.Encode(&fs[i], lrs.AppendEmpty())
	}
	return ld
}

func overviewTokens(t *testing.T, s *store.Store) map[string]int64 {
	t.Helper()
	ov, err := s.Overview(context.Background(), store.OverviewQuery{})
	require.NoError(t, err)
	out := map[string]int64{}
	for _, k := range []string{"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read", "tokens_total", "cost_usd"} {
		out[k] = ov.KPIs[k].Raw()
	}
	return out
}

// A request that arrives from both sources (same request_id) is counted
// once, in either arrival order and when replayed; Claude Code's own fields
// are stored next to the transcript fact. Both dialects.
func TestNativeAndTranscriptCountedOnce(t *testing.T) {
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) { testNativeAndTranscript(t, driver) })
	}
}

// startNativeStore starts a real analytics extension on a fresh database of the
// driver.
func startNativeStore(t *testing.T, driver string) (component.ID, component.Component, *store.Store) {
	t.Helper()
	f := analyticsextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*analyticsextension.Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Driver, cfg.DSN = driver, storetest.DSN(t, driver)
	id := component.MustNewID("analytics")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	return id, ext, ext.(analyticsextension.StoreProvider).Store()
}

func testNativeAndTranscript(t *testing.T, driver string) {
	ctx := context.Background()
	transcriptLD := func() plog.Logs { return transcriptLogs(t, "-home-dev-blog", blogSession) }
	nativeLD := func() plog.Logs { return nativeLogs(t, "blog-session.json") }

	run := func(t *testing.T, batches ...plog.Logs) *store.Store {
		id, ext, s := startNativeStore(t, driver)
		f := NewFactory()
		exp, err := f.CreateLogs(ctx, exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
		require.NoError(t, err)
		require.NoError(t, exp.Start(ctx, hostWith{id: ext}))
		defer func() { assert.NoError(t, exp.Shutdown(ctx)) }()
		for _, ld := range batches {
			require.NoError(t, exp.ConsumeLogs(ctx, ld))
		}
		return s
	}

	transcriptOnly := overviewTokens(t, run(t, transcriptLD()))
	// The one request the transcript does not have (req_NATIVE_ONLY): 100
	// input, 50 output, 1000 cache read tokens, priced by ccdash's table
	// (cost_usd is in nanodollars here).
	want := map[string]int64{}
	for k, v := range transcriptOnly {
		want[k] = v
	}
	want["tokens_input"] += 100
	want["tokens_output"] += 50
	want["tokens_cache_read"] += 1000
	want["tokens_total"] += 1150
	onlyCost := nativeOnlyCost(t)
	want["cost_usd"] += onlyCost

	for name, order := range map[string][]plog.Logs{
		"transcript first":   {transcriptLD(), nativeLD()},
		"native first":       {nativeLD(), transcriptLD()},
		"replayed and mixed": {nativeLD(), transcriptLD(), nativeLD(), transcriptLD()},
	} {
		t.Run(name, func(t *testing.T) {
			s := run(t, order...)
			got := overviewTokens(t, s)
			for k, v := range want {
				assert.Equal(t, v, got[k], k)
			}

			evs, err := s.NativeEvents(ctx, blogSession, 0)
			require.NoError(t, err)
			byKey := map[string]store.NativeEvent{}
			for _, e := range evs {
				byKey[e.Key] = e
			}
			assert.Len(t, evs, 8)
			b1 := byKey[native.RequestKey("req_B1")]
			assert.Equal(t, "req:msg_B1", b1.TranscriptKey, "joined on request_id")
			assert.False(t, b1.Counted)
			assert.InDelta(t, 0.007722, b1.NativeCostUSD, 1e-12)
			assert.EqualValues(t, 3900, b1.NativeDurationMs)
			assert.Equal(t, "laptop-a", b1.Host)
			b2 := byKey[native.RequestKey("req_B2")]
			assert.Equal(t, "req:msg_B2", b2.TranscriptKey, "the sidechain copy lives in another session entity; the request id still joins")
			assert.EqualValues(t, 6, b2.Tokens.Input, "string-typed numbers are read")
			b4 := byKey[native.RequestKey("req_B4")]
			assert.InDelta(t, 0.001542, b4.NativeCostUSD, 1e-12, "cost_usd_micros preferred")
			only := byKey[native.RequestKey("req_NATIVE_ONLY")]
			assert.True(t, only.Counted)
			assert.Empty(t, only.TranscriptKey)

			res := byKey["native:tool_result:toolu_write1"]
			assert.Equal(t, "toolres:toolu_write1", res.TranscriptKey)
			require.NotNil(t, res.Success)
			assert.True(t, *res.Success)
			assert.EqualValues(t, 212, res.NativeDurationMs)
			dec := byKey["native:tool_decision:toolu_write1"]
			assert.Equal(t, "accept", dec.Decision)
			assert.Equal(t, "config", dec.DecisionSource)
			apiErr := byKey["native:api_error:req_ERR1"]
			assert.EqualValues(t, 529, apiErr.StatusCode)
			assert.Equal(t, "Overloaded", apiErr.Error)
			prompt := byKey["native:user_prompt:b1"]
			assert.Equal(t, "b1", prompt.JoinKey, "joined on message.uuid")
			assert.Equal(t, "prompt-1", prompt.PromptID)
		})
	}
}

func nativeOnlyCost(t *testing.T) int64 {
	t.Helper()
	ld := nativeLogs(t, "blog-session.json")
	fs, foreign := nativeFacts(ld)
	require.Zero(t, foreign)
	for _, f := range fs {
		if f.RequestID == "req_NATIVE_ONLY" {
			require.Positive(t, f.CostNanos)
			return f.CostNanos
		}
	}
	t.Fatal("req_NATIVE_ONLY not translated")
	return 0
}
