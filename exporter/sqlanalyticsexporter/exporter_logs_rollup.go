package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/rolluplog"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// writeRollupRecords stores the ccdash.rollup records of ld (the rollup
// processor in a logs pipeline) exactly as rollup metric points: each is a
// window's absolute total and replaces the stored entry with the same key.
func (e *logsExporter) writeRollupRecords(ctx context.Context, ld plog.Logs) error {
	recs, resources := rolluplog.DecodeAll(ld)
	if len(recs) == 0 {
		return nil
	}
	entries := make([]store.RollupEntry, len(recs))
	for i := range recs {
		r := &recs[i]
		entries[i] = store.RollupEntry{
			Metric: r.Metric, Unit: r.Unit, Kind: store.RollupSum, Period: r.Period, TZ: r.TZ,
			Start: r.Start, End: r.End, Value: r.Value, Int: r.Int,
			Resource: resources[i], Attributes: r.Attributes,
			Observed: r.Observed, Since: r.Since, Incomplete: r.Incomplete, Empty: r.Empty,
		}
	}
	return e.store.WriteRollups(ctx, entries)
}

// countRollupRecords counts the rollup records of ld: they are neither
// facts nor native events, but not foreign either.
func countRollupRecords(ld plog.Logs) int {
	n := 0
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if rolluplog.IsRollup(lrs.At(k)) {
					n++
				}
			}
		}
	}
	return n
}
