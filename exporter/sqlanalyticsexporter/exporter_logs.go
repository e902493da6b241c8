package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"context"
	"fmt"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension"
	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

type logsExporter struct {
	cfg      *Config
	settings exporter.Settings
	store    *store.Store
	skipped  atomic.Int64 // foreign records ignored so far; the queue's consumers run pushLogs concurrently
}

func newLogsExporter(cfg *Config, set exporter.Settings) *logsExporter {
	return &logsExporter{cfg: cfg, settings: set}
}

// start resolves the store from the analytics extension. Extensions start
// before pipelines, so the store is open by now.
func (e *logsExporter) start(_ context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[e.cfg.Store]
	if !ok {
		return fmt.Errorf("sql_analytics: extension %q not found: add it under service.extensions", e.cfg.Store)
	}
	p, ok := ext.(analyticsextension.StoreProvider)
	if !ok {
		return fmt.Errorf("sql_analytics: extension %q is not an analytics extension", e.cfg.Store)
	}
	if e.store = p.Store(); e.store == nil {
		return fmt.Errorf("sql_analytics: extension %q has no open store", e.cfg.Store)
	}
	return nil
}

// pushLogs writes every fact of the batch in one transaction. Writes are
// idempotent upserts, so a retry after a partial failure, a replay after a
// restart or a duplicate delivery changes nothing.
func (e *logsExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	batch, skipped := factlog.DecodeAll(ld)
	if skipped > 0 {
		// Claude Code's own events (native.go) are stored next to the facts.
		var natives []facts.Fact
		natives, skipped = nativeFacts(ld)
		batch = append(batch, natives...)
		skipped -= countRollupRecords(ld) // stored below (exporter_logs_rollup.go)
	}
	if skipped > 0 && e.skipped.Add(int64(skipped)) == int64(skipped) { // the first ones
		e.settings.Logger.Info("Ignoring log records that are neither ccdash facts nor native Claude Code events",
			zap.Int("count", skipped))
	}
	if len(batch) > 0 {
		if err := e.store.Write(ctx, batch); err != nil {
			return err
		}
	}
	// The rollup processor's window totals, after the facts they count.
	return e.writeRollupRecords(ctx, ld)
}
