//go:build e2e

package gateway

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

// backend is an in-process OTLP/gRPC receiver standing in for any OTLP
// backend.
type backend struct {
	endpoint string
	logs     *consumertest.LogsSink
	metrics  *consumertest.MetricsSink
	traces   *consumertest.TracesSink
}

func startBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{
		endpoint: fmt.Sprintf("127.0.0.1:%d", processtest.FreePorts(t, 1)[0]),
		logs:     new(consumertest.LogsSink),
		metrics:  new(consumertest.MetricsSink),
		traces:   new(consumertest.TracesSink),
	}
	f := otlpreceiver.NewFactory()
	cfg := f.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.GRPC.GetOrInsertDefault().NetAddr.Endpoint = b.endpoint
	cfg.Protocols.HTTP = configoptional.None[otlpreceiver.HTTPConfig]() // not used
	set := receivertest.NewNopSettings(f.Type())
	ctx := context.Background()
	// The otlp receiver shares one server between signals (sharedcomponent).
	lr, err := f.CreateLogs(ctx, set, cfg, b.logs)
	require.NoError(t, err)
	mr, err := f.CreateMetrics(ctx, set, cfg, b.metrics)
	require.NoError(t, err)
	tr, err := f.CreateTraces(ctx, set, cfg, b.traces)
	require.NoError(t, err)
	for _, c := range []interface {
		Start(context.Context, component.Host) error
		Shutdown(context.Context) error
	}{lr, mr, tr} {
		require.NoError(t, c.Start(ctx, componenttest.NewNopHost()))
		t.Cleanup(func() { _ = c.Shutdown(context.Background()) })
	}
	return b
}

// TestOTLPExport: the default config plus otlp-export.yaml (what `make run`
// passes with CCDASH_OTEL_ENABLED=true) still stores and serves everything
// (the overlay restates the replaced exporter lists) and sends logs and
// metrics to the OTLP endpoint named by CCDASH_OTEL_ENDPOINT.
func TestOTLPExport(t *testing.T) {
	be := startBackend(t)
	ports := processtest.FreePorts(t, 5)
	c := start(t, "exporting", []string{configPath(t, "config.yaml"), configPath(t, "otlp-export.yaml")}, map[string]string{
		"CLAUDE_CONFIG_DIR":         filepath.Join(processtest.RepoRoot(t), "testdata", "claude"),
		"CCDASH_DATA_DIR":           t.TempDir(),
		"CCDASH_API_ENDPOINT":       fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"CCDASH_PROM_PORT":          strconv.Itoa(ports[1]),
		"CCDASH_TELEMETRY_PORT":     strconv.Itoa(ports[2]),
		"CCDASH_OTLP_GRPC_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[3]),
		"CCDASH_OTLP_HTTP_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[4]),
		"CCDASH_OTEL_ENDPOINT":      be.endpoint,
		"CCDASH_OTEL_SERVICE_NAME":  "ccdash-export-test",
		"CCDASH_HOST_NAME":          "exporter-host",
	})
	c.waitBackfill(time.Minute)
	kpis := c.kpis()
	tokensTotal := kpiFloat(t, kpis, "tokens_total")
	require.NotZero(t, tokensTotal)
	// The prometheus exporter of config.yaml is still in the metrics pipeline.
	require.Eventually(t, func() bool {
		return strings.Contains(scrape(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[1])), "claude_code_token_usage")
	}, 30*time.Second, 200*time.Millisecond, "config.yaml's prometheus exporter is gone")

	// Logs: the exported API requests, de-duplicated like the store does
	// (per fact key: non-sidechain copy first, then the larger total), add up
	// to the stored token total.
	require.Eventually(t, func() bool {
		return exportedTokens(be.logs.AllLogs()) == tokensTotal
	}, 30*time.Second, 200*time.Millisecond, "exported api_request tokens %v, stored %v", exportedTokens(be.logs.AllLogs()), tokensTotal)
	ld := be.logs.AllLogs()[0]
	res := ld.ResourceLogs().At(0).Resource().Attributes()
	assertAttr(t, res, "service.name", "ccdash-export-test")
	assertAttr(t, res, "host.name", "exporter-host")

	// Metrics: the latest value of every cumulative claude_code.token.usage
	// series adds up to the stored total.
	require.Eventually(t, func() bool {
		return tokenUsage(be.metrics.AllMetrics()) == tokensTotal
	}, 30*time.Second, 200*time.Millisecond, "exported claude_code.token.usage %v, stored %v", tokenUsage(be.metrics.AllMetrics()), tokensTotal)
	all := be.metrics.AllMetrics()
	assertAttr(t, all[len(all)-1].ResourceMetrics().At(0).Resource().Attributes(), "service.name", "ccdash-export-test")
	t.Logf("exported: %d log batches, %d metric batches, %d span batches", len(be.logs.AllLogs()), len(all), len(be.traces.AllTraces()))
}

func eachRecord(ld plog.Logs, fn func(res pcommon.Map, lr plog.LogRecord)) {
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		for j := 0; j < rl.ScopeLogs().Len(); j++ {
			lrs := rl.ScopeLogs().At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				fn(rl.Resource().Attributes(), lrs.At(k))
			}
		}
	}
}

// exportedTokens sums the tokens of the exported API request facts, one
// copy per fact key chosen like the store's keep-max rule.
func exportedTokens(lds []plog.Logs) float64 {
	type best struct {
		sidechain bool
		total     int64
	}
	byKey := map[string]best{}
	for _, ld := range lds {
		eachRecord(ld, func(_ pcommon.Map, lr plog.LogRecord) {
			f, ok := factlog.Decode(lr)
			if !ok || f.Event != facts.EventAPIRequest {
				return
			}
			c := best{f.IsSidechain, f.Usage.Total()}
			old, seen := byKey[f.Key]
			if !seen || (old.sidechain && !c.sidechain) || (old.sidechain == c.sidechain && c.total > old.total) {
				byKey[f.Key] = c
			}
		})
	}
	var sum int64
	for _, b := range byKey {
		sum += b.total
	}
	return float64(sum)
}

// tokenUsage sums the latest value of every claude_code.token.usage series
// (cumulative; a batch carries only the series it changed).
func tokenUsage(mds []pmetric.Metrics) float64 {
	latest := map[string]float64{}
	for _, md := range mds {
		for i := 0; i < md.ResourceMetrics().Len(); i++ {
			rm := md.ResourceMetrics().At(i)
			sms := rm.ScopeMetrics()
			for j := 0; j < sms.Len(); j++ {
				ms := sms.At(j).Metrics()
				for k := 0; k < ms.Len(); k++ {
					m := ms.At(k)
					if m.Name() != "claude_code.token.usage" || m.Type() != pmetric.MetricTypeSum {
						continue
					}
					dps := m.Sum().DataPoints()
					for l := 0; l < dps.Len(); l++ {
						dp := dps.At(l)
						series := fmt.Sprint(rm.Resource().Attributes().AsRaw(), dp.Attributes().AsRaw())
						if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
							latest[series] = float64(dp.IntValue())
						} else {
							latest[series] = dp.DoubleValue()
						}
					}
				}
			}
		}
	}
	var sum float64
	for _, v := range latest {
		sum += v
	}
	return sum
}

func assertAttr(t *testing.T, m pcommon.Map, k, want string) {
	t.Helper()
	v, ok := m.Get(k)
	if assert.True(t, ok, "attribute %s missing", k) {
		assert.Equal(t, want, v.AsString(), k)
	}
}
