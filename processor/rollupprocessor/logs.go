package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"context"
	"slices"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/rolluplog"
	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

// logsProcessor rolls up the claude_code receiver's fact log records by
// their event time. Why a logs mode: the receiver's metrics are cumulative
// per process and stamped with the time the collector observed them (what
// the Prometheus exporter needs), so rolled up they put a backfill into the
// window the collector started in. The facts carry the event times, and
// they reach a gateway over OTLP unchanged.
//
// Every record passes through unchanged; the batch's window totals are
// appended as ccdash.rollup records (internal/rolluplog), one ResourceLogs
// per window resource.
type logsProcessor struct {
	*rollupProcessor
	nextLogs consumer.Logs
}

func newLogsProcessor(set processor.Settings, cfg *Config, next consumer.Logs) (*logsProcessor, error) {
	p, err := newRollupProcessor(set, cfg, nil)
	if err != nil {
		return nil, err
	}
	// Its own storage client: a processor id used in a metrics and a logs
	// pipeline runs two instances, each with its own state.
	p.storageName = "logs"
	return &logsProcessor{rollupProcessor: p, nextLogs: next}, nil
}

// Capabilities: the rollup records are appended to the batch.
func (p *logsProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: true}
}

// ConsumeLogs folds the batch's facts into their windows, persists the
// state, appends the totals of every window the batch touched and sends the
// batch on. Retries and replays are safe as in ConsumeMetrics: facts already
// counted at their kept value add nothing and re-send their open windows.
func (p *logsProcessor) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	p.mu.Lock()
	defer p.mu.Unlock()

	b := newBatch(p.rollupProcessor)
	b.logs = true
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := -1
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				f, ok := factlog.Decode(lrs.At(k))
				if !ok {
					continue // native events, rollup records of an upstream processor, ...
				}
				if res < 0 {
					res = b.resource(canonical(rl.Resource().Attributes()))
				}
				b.fact(res, &f)
			}
		}
	}
	b.finish()
	b.emitLogs(ld)

	if b.changed && p.client != nil {
		if err := save(ctx, p.client, p.st); err != nil {
			return err
		}
		p.dirty = false
	}
	p.record(ctx, b)
	if err := p.nextLogs.ConsumeLogs(ctx, ld); err != nil {
		return err // the windows stay pending and are sent with the next batch
	}
	if len(b.out) > 0 {
		b.delivered()
		p.dirty = true
	}
	return nil
}

// emitLogs appends the batch's touched windows and gap markers to ld as
// rollup records, one ResourceLogs per resource, in a fixed order.
func (b *batch) emitLogs(ld plog.Logs) {
	type entry struct {
		w   *window
		gap bool
	}
	byRes := map[string][]entry{}
	for _, w := range b.out {
		byRes[w.Resource] = append(byRes[w.Resource], entry{w, false})
	}
	gapKeys := make([]string, 0, len(b.gaps))
	for k := range b.gaps {
		gapKeys = append(gapKeys, k)
	}
	slices.Sort(gapKeys)
	for _, k := range gapKeys {
		w := b.gaps[k]
		byRes[w.Resource] = append(byRes[w.Resource], entry{w, true})
	}
	resOrder := make([]string, 0, len(byRes))
	for r := range byRes {
		resOrder = append(resOrder, r)
	}
	slices.Sort(resOrder)
	for _, res := range resOrder {
		rl := ld.ResourceLogs().AppendEmpty()
		if err := putCanonical(rl.Resource().Attributes(), res); err != nil {
			b.p.settings.Logger.Debug("rollup: bad resource key")
		}
		sl := rl.ScopeLogs().AppendEmpty()
		sl.Scope().SetName(metadata.ScopeName)
		for _, e := range byRes[res] {
			rec := b.record(e.w, e.gap)
			rolluplog.Encode(&rec, sl.LogRecords().AppendEmpty())
		}
	}
}

// record describes a window as a rollup record.
func (b *batch) record(w *window, gap bool) rolluplog.Record {
	r := rolluplog.Record{
		Metric: w.Metric, Unit: w.Unit, Period: w.Period, TZ: b.p.cfg.Timezone,
		Start: time.UnixMilli(w.Start).UTC(), End: time.UnixMilli(w.End).UTC(),
		Observed: time.Unix(0, w.Observed).UTC(), Incomplete: gap, Attributes: stringAttrs(w.Attributes),
	}
	if since, ok := b.sinceOf(w.Metric, w.Period); ok {
		r.Since = time.UnixMilli(since).UTC()
	}
	switch {
	case gap:
	case w.Facts <= 0:
		r.Empty = true // every fact it counted moved to another window
	case w.Nano:
		r.Value = float64(w.Int) / 1e9
	case w.Double:
		r.Value = w.Value + float64(w.Int)
	default:
		v := w.Int
		r.Int, r.Value = &v, float64(v)
	}
	return r
}

// stringAttrs renders canonical attributes as strings (logs-mode windows
// only have string attributes). There are few attribute sets and every
// batch emits hundreds of windows, so the parsed maps are cached; callers
// must not modify them (rolluplog.Encode only reads).
func stringAttrs(s string) map[string]string {
	attrsCache.Lock()
	out, ok := attrsCache.parsed[s]
	attrsCache.Unlock()
	if ok {
		return out
	}
	out = parseStringAttrs(s)
	attrsCache.Lock()
	if len(attrsCache.parsed) < 1<<16 {
		attrsCache.parsed[s] = out
	}
	attrsCache.Unlock()
	return out
}

func parseStringAttrs(s string) map[string]string {
	m := plog.NewLogRecord().Attributes()
	out := map[string]string{}
	if err := putCanonical(m, s); err != nil {
		return out
	}
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}
