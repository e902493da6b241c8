package sqlanalyticsexporter

import (
	"context"
	"testing"
	"time"

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
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// hostWith is a host offering the given extensions.
type hostWith map[component.ID]component.Component

func (h hostWith) GetExtensions() map[component.ID]component.Component { return h }

// startStore starts a real analytics extension on a temporary SQLite file.
func startStore(t *testing.T) (component.ID, component.Component, *store.Store) {
	t.Helper()
	f := analyticsextension.NewFactory()
	cfg := f.CreateDefaultConfig().(*analyticsextension.Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	id := component.MustNewID("analytics")
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { assert.NoError(t, ext.Shutdown(context.Background())) })
	return id, ext, ext.(analyticsextension.StoreProvider).Store()
}

func logsOf(fs ...facts.Fact) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range fs {
		factlog.Encode(&fs[i], lrs.AppendEmpty())
	}
	// A foreign record (e.g. native Claude Code telemetry) is ignored.
	lrs.AppendEmpty().SetEventName("claude_code.api_request")
	return ld
}

func TestExporterWritesFactsIdempotently(t *testing.T) {
	id, ext, s := startStore(t)
	f := NewFactory()
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), hostWith{id: ext}))
	defer func() { assert.NoError(t, exp.Shutdown(context.Background())) }()

	ts := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	usage := func(out int64) facts.Fact {
		return facts.Fact{Key: "req:m1", Event: facts.EventAPIRequest, Time: ts, SessionID: "s1", Model: "claude-opus-4-6",
			MessageID: "m1", Usage: facts.Usage{Input: 3, Output: out}, CostNanos: out * 25000}
	}
	commit := facts.Fact{Key: "commit:abc1234", Event: facts.EventCommit, Time: ts, SessionID: "s1", CommitSHA: "abc1234"}

	// Streaming split copies, in two batches, delivered twice.
	for range 2 {
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(usage(10), commit)))
		require.NoError(t, exp.ConsumeLogs(context.Background(), logsOf(usage(441))))
	}
	ov, err := s.Overview(context.Background(), store.OverviewQuery{})
	require.NoError(t, err)
	assert.EqualValues(t, 441, ov.KPIs["tokens_output"].Raw(), "max copy kept, nothing doubled")
	assert.EqualValues(t, 1, ov.KPIs["commits"].Raw())
}

func TestExporterStartNamesTheMissingStore(t *testing.T) {
	f := NewFactory()
	exp, err := f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	assert.ErrorContains(t, err, `extension "analytics" not found`)

	cfg := f.CreateDefaultConfig().(*Config)
	cfg.Store = component.MustNewID("file_storage")
	exp, err = f.CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	other := hostWith{cfg.Store: extensionStub{}}
	assert.ErrorContains(t, exp.Start(context.Background(), other), "is not an analytics extension")
}

// extensionStub is an extension that is not an analytics extension.
type extensionStub struct {
	component.StartFunc
	component.ShutdownFunc
}
