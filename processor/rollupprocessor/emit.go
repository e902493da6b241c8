package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"cmp"
	"slices"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

// Attributes the processor adds to every output point. A point is one
// window: ccdash.period names the period, ccdash.period.start/end its bounds
// (RFC 3339 in the window's zone, end exclusive), ccdash.period.tz the zone.
// ccdash.rollup.since is where complete coverage of the metric and period
// begins; ccdash.rollup.incomplete marks a window that closed before a point
// for it arrived (the point carries no value).
const (
	AttrPeriod      = "ccdash.period"
	AttrPeriodStart = "ccdash.period.start"
	AttrPeriodEnd   = "ccdash.period.end"
	AttrPeriodTZ    = "ccdash.period.tz"
	AttrSince       = "ccdash.rollup.since"
	AttrIncomplete  = "ccdash.rollup.incomplete"
)

// emit appends the batch's touched windows and gap markers to out, one
// ResourceMetrics per resource, one metric per name, in a fixed order.
func (b *batch) emit(out pmetric.Metrics) {
	type entry struct {
		w   *window
		gap bool
	}
	byRes := map[string][]entry{}
	var resOrder []string
	addEntry := func(w *window, gap bool) {
		if _, ok := byRes[w.Resource]; !ok {
			resOrder = append(resOrder, w.Resource)
		}
		byRes[w.Resource] = append(byRes[w.Resource], entry{w, gap})
	}
	for _, w := range b.out {
		addEntry(w, false)
	}
	gapKeys := make([]string, 0, len(b.gaps))
	for k := range b.gaps {
		gapKeys = append(gapKeys, k)
	}
	slices.Sort(gapKeys)
	for _, k := range gapKeys {
		addEntry(b.gaps[k], true)
	}
	slices.Sort(resOrder)

	for _, res := range resOrder {
		rm := out.ResourceMetrics().AppendEmpty()
		if err := putCanonical(rm.Resource().Attributes(), res); err != nil {
			b.p.settings.Logger.Debug("rollup: bad resource key")
		}
		sm := rm.ScopeMetrics().AppendEmpty()
		sm.Scope().SetName(metadata.ScopeName)
		metrics := map[string]pmetric.Metric{}
		entries := byRes[res]
		slices.SortStableFunc(entries, func(x, y entry) int { return cmp.Compare(x.w.Metric, y.w.Metric) })
		for _, e := range entries {
			w := e.w
			m, ok := metrics[w.Metric]
			if !ok {
				m = sm.Metrics().AppendEmpty()
				m.SetName(w.Metric)
				m.SetUnit(w.Unit)
				m.SetDescription(w.Description)
				if w.Histogram {
					m.SetEmptyHistogram().SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
				} else {
					s := m.SetEmptySum()
					s.SetIsMonotonic(w.Monotonic)
					s.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
				}
				metrics[w.Metric] = m
			}
			var attrs pcommon.Map
			start := pcommon.Timestamp(w.Start * int64(time.Millisecond))
			observed := pcommon.Timestamp(w.Observed)
			if w.Histogram {
				dp := m.Histogram().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(observed)
				if !e.gap {
					dp.SetCount(w.Count)
					dp.SetSum(w.Sum)
					dp.ExplicitBounds().FromRaw(w.Bounds)
					dp.BucketCounts().FromRaw(w.Buckets)
				}
				attrs = dp.Attributes()
			} else {
				dp := m.Sum().DataPoints().AppendEmpty()
				dp.SetStartTimestamp(start)
				dp.SetTimestamp(observed)
				switch {
				case e.gap:
					dp.SetIntValue(0)
				case w.Nano:
					dp.SetDoubleValue(float64(w.Int) / 1e9)
				case w.Double:
					dp.SetDoubleValue(w.Value + float64(w.Int))
				default:
					dp.SetIntValue(w.Int)
				}
				attrs = dp.Attributes()
			}
			if err := putCanonical(attrs, w.Attributes); err != nil {
				b.p.settings.Logger.Debug("rollup: bad attribute key")
			}
			b.putWindowAttrs(attrs, w, e.gap)
		}
	}
}

func (b *batch) putWindowAttrs(attrs pcommon.Map, w *window, gap bool) {
	loc := b.p.loc
	attrs.PutStr(AttrPeriod, w.Period)
	attrs.PutStr(AttrPeriodStart, time.UnixMilli(w.Start).In(loc).Format(time.RFC3339))
	attrs.PutStr(AttrPeriodEnd, time.UnixMilli(w.End).In(loc).Format(time.RFC3339))
	attrs.PutStr(AttrPeriodTZ, b.p.cfg.Timezone)
	if since, ok := b.sinceOf(w.Metric, w.Period); ok {
		attrs.PutStr(AttrSince, time.UnixMilli(since).In(loc).Format(time.RFC3339))
	}
	if gap {
		attrs.PutBool(AttrIncomplete, true)
	}
}
