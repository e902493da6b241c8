package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Attributes of rollup points (set by the rollup processor; see its
// README). They place a point in analytics_entries and are not dimensions.
const (
	attrPeriod      = "ccdash.period"
	attrPeriodStart = "ccdash.period.start"
	attrPeriodEnd   = "ccdash.period.end"
	attrPeriodTZ    = "ccdash.period.tz"
	attrSince       = "ccdash.rollup.since"
	attrIncomplete  = "ccdash.rollup.incomplete"
)

// metricsExporter stores rollup points: points carrying ccdash.period.
// Other points (raw metrics sent to the same exporter) are ignored; the
// facts behind them arrive as log records.
type metricsExporter struct {
	*logsExporter              // store resolution
	ignored       atomic.Int64 // points ignored so far; consumers run concurrently
}

func newMetricsExporter(cfg *Config, set exporter.Settings) *metricsExporter {
	return &metricsExporter{logsExporter: newLogsExporter(cfg, set)}
}

// pushMetrics writes the batch's rollup points in one transaction. Each
// point is a window's absolute total and replaces the stored entry with the
// same key, so retries and replays change nothing.
func (e *metricsExporter) pushMetrics(ctx context.Context, md pmetric.Metrics) error {
	entries, ignored := rollupEntries(md)
	if ignored > 0 && e.ignored.Add(int64(ignored)) == int64(ignored) { // the first ones
		e.settings.Logger.Info("Ignoring metric points without ccdash.period (only rollup points are stored)",
			zap.Int("count", ignored))
	}
	if len(entries) == 0 {
		return nil
	}
	return e.store.WriteRollups(ctx, entries)
}

// rollupEntries converts the rollup points of md; ignored counts the other
// points (and rollup points whose bounds cannot be read).
func rollupEntries(md pmetric.Metrics) (entries []store.RollupEntry, ignored int) {
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		res := stringMap(rm.Resource().Attributes())
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			ms := sms.At(j).Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				base := store.RollupEntry{Metric: m.Name(), Unit: m.Unit(), Resource: res}
				switch m.Type() {
				case pmetric.MetricTypeSum:
					dps := m.Sum().DataPoints()
					for p := 0; p < dps.Len(); p++ {
						dp := dps.At(p)
						e := base
						e.Kind = store.RollupSum
						if !placeEntry(&e, dp.Attributes(), dp.StartTimestamp(), dp.Timestamp()) {
							ignored++
							continue
						}
						if dp.ValueType() == pmetric.NumberDataPointValueTypeInt {
							v := dp.IntValue()
							e.Value, e.Int = float64(v), &v
						} else {
							e.Value = dp.DoubleValue()
						}
						entries = append(entries, e)
					}
				case pmetric.MetricTypeHistogram:
					dps := m.Histogram().DataPoints()
					for p := 0; p < dps.Len(); p++ {
						dp := dps.At(p)
						e := base
						e.Kind = store.RollupHistogram
						if !placeEntry(&e, dp.Attributes(), dp.StartTimestamp(), dp.Timestamp()) {
							ignored++
							continue
						}
						e.Value, e.Count = dp.Sum(), dp.Count()
						e.Bounds, e.BucketCounts = dp.ExplicitBounds().AsRaw(), dp.BucketCounts().AsRaw()
						entries = append(entries, e)
					}
				default:
					ignored += dataPointCount(m)
				}
			}
		}
	}
	return entries, ignored
}

// placeEntry reads the window of a point from its attributes and sets the
// remaining attributes as the entry's dimensions. It reports false for
// points that are not rollup points. A point of period "point" is its own
// window, at its timestamp.
func placeEntry(e *store.RollupEntry, attrs pcommon.Map, start, ts pcommon.Timestamp) bool {
	period, ok := attrs.Get(attrPeriod)
	if !ok {
		return false
	}
	e.Period = period.AsString()
	e.TZ = "UTC"
	if tz, ok := attrs.Get(attrPeriodTZ); ok {
		e.TZ = tz.AsString()
	}
	e.Observed = ts.AsTime()
	if e.Period == store.PeriodPoint {
		e.Start, e.End = ts.AsTime(), ts.AsTime()
	} else {
		s, errS := parseAttrTime(attrs, attrPeriodStart)
		end, errE := parseAttrTime(attrs, attrPeriodEnd)
		if errS != nil || errE != nil {
			if start == 0 {
				return false
			}
			s, end = start.AsTime(), ts.AsTime()
		}
		e.Start, e.End = s, end
	}
	if since, err := parseAttrTime(attrs, attrSince); err == nil {
		e.Since = since
	}
	if inc, ok := attrs.Get(attrIncomplete); ok && inc.Bool() {
		e.Incomplete = true
	}
	dims := make(map[string]string, attrs.Len())
	for k, v := range attrs.All() {
		if k == attrIncomplete || k == attrSince || strings.HasPrefix(k, attrPeriod) {
			continue
		}
		dims[k] = v.AsString()
	}
	e.Attributes = dims
	return true
}

func parseAttrTime(attrs pcommon.Map, key string) (time.Time, error) {
	v, ok := attrs.Get(key)
	if !ok {
		return time.Time{}, errMissing
	}
	return time.Parse(time.RFC3339, v.AsString())
}

var errMissing = errors.New("missing attribute")

func stringMap(m pcommon.Map) map[string]string {
	out := make(map[string]string, m.Len())
	for k, v := range m.All() {
		out[k] = v.AsString()
	}
	return out
}

func dataPointCount(m pmetric.Metric) int {
	switch m.Type() {
	case pmetric.MetricTypeGauge:
		return m.Gauge().DataPoints().Len()
	case pmetric.MetricTypeSummary:
		return m.Summary().DataPoints().Len()
	case pmetric.MetricTypeExponentialHistogram:
		return m.ExponentialHistogram().DataPoints().Len()
	}
	return 0
}
