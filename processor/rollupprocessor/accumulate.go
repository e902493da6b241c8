package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"go.opentelemetry.io/collector/pdata/pmetric"
)

// batch folds one ConsumeMetrics call into the state.
type batch struct {
	p  *rollupProcessor
	st *state
	// horizon is the state's horizon when the batch began: whether a
	// window has closed is decided on it, so the points of one batch are
	// never late relative to each other.
	horizon int64
	// logs: the batch is fact log records (logs.go), not metrics.
	logs    bool
	newest  int64
	touched map[*window]struct{}
	gaps    map[string]*window // windows that closed before a point for them arrived
	out     []*window          // touched windows, in key order (finish)
	changed bool
	// kbuf is reused to build window keys: looking a window up with
	// string(kbuf) does not allocate, and a backfill looks up millions.
	kbuf []byte

	late, replayed, skipped int64
}

func newBatch(p *rollupProcessor) *batch {
	return &batch{p: p, st: p.st, horizon: p.st.Horizon, touched: map[*window]struct{}{}, gaps: map[string]*window{}}
}

// delta is what one point adds to its windows.
type delta struct {
	i       int64
	d       float64
	count   uint64
	sum     float64
	bounds  []float64
	buckets []uint64
	// facts (logs mode) is added to the windows' fact counts.
	facts int64
}

// meta is what a window copies from its metric.
type meta struct {
	name, unit, desc                string
	histogram, monotonic, dbl, nano bool
}

func (b *batch) metric(res, scope string, m pmetric.Metric) {
	switch m.Type() {
	case pmetric.MetricTypeSum:
		s := m.Sum()
		dps := s.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			b.sumPoint(res, scope, m, s, dps.At(i))
		}
	case pmetric.MetricTypeHistogram:
		h := m.Histogram()
		dps := h.DataPoints()
		for i := 0; i < dps.Len(); i++ {
			b.histogramPoint(res, scope, m, h.AggregationTemporality(), dps.At(i))
		}
	}
	// Gauges, summaries and exponential histograms do not add up over time
	// (or not simply): they are not rolled up.
}

func streamKey(res, scope, metric, attrs string) string {
	return res + "\x00" + scope + "\x00" + metric + "\x00" + attrs
}

// sumPoint turns a sum point into the increment it adds, using the stream's
// high-water mark:
//   - cumulative: the increase over the last value counted of the same
//     incarnation (StartTimestamp). A new or restarted stream (a later
//     StartTimestamp) counts its whole value: the counter began at zero at
//     its start. A point that adds nothing new (same or smaller value of a
//     monotonic sum, or no later timestamp) is a replay;
//   - delta: the value, unless its timestamp is not after the last one
//     counted (a replay or a redelivery).
func (b *batch) sumPoint(res, scope string, m pmetric.Metric, s pmetric.Sum, dp pmetric.NumberDataPoint) {
	ts := int64(dp.Timestamp())
	if ts == 0 || dp.Flags().NoRecordedValue() {
		b.skipped++
		return
	}
	var iv int64
	var dv float64
	dbl := false
	switch dp.ValueType() {
	case pmetric.NumberDataPointValueTypeInt:
		iv = dp.IntValue()
	case pmetric.NumberDataPointValueTypeDouble:
		dv, dbl = dp.DoubleValue(), true
		if math.IsNaN(dv) || math.IsInf(dv, 0) {
			b.skipped++
			return
		}
	default:
		b.skipped++
		return
	}
	attrs := canonical(dp.Attributes())
	md := meta{name: m.Name(), unit: m.Unit(), desc: m.Description(), monotonic: s.IsMonotonic(), dbl: dbl}
	sk := streamKey(res, scope, m.Name(), attrs)
	st := b.st.Streams[sk]
	var d delta
	switch s.AggregationTemporality() {
	case pmetric.AggregationTemporalityCumulative:
		start := int64(dp.StartTimestamp())
		switch {
		case st == nil || start > st.Start:
			st = &stream{Start: start}
			b.st.Streams[sk] = st
			d = delta{i: iv, d: dv}
		case start < st.Start:
			b.replay(md, res, attrs, ts) // an earlier incarnation
			return
		default:
			c := compareNumber(iv, dv, st.Int, st.Double)
			switch {
			case c > 0 && (s.IsMonotonic() || ts > st.Last), c < 0 && !s.IsMonotonic() && ts > st.Last:
				d = delta{i: iv - st.Int, d: dv - st.Double}
			case c == 0 && ts > st.Last:
				// A new observation that adds nothing: its window still
				// exists (has a point), as the fact-backed series has
				// points for periods whose requests added zero.
			default:
				b.replay(md, res, attrs, ts)
				return
			}
		}
		st.Int, st.Double = iv, dv
		st.Last = max(st.Last, ts)
	case pmetric.AggregationTemporalityDelta:
		if st != nil && ts <= st.Last {
			b.replay(md, res, attrs, ts)
			return
		}
		if st == nil {
			st = &stream{}
			b.st.Streams[sk] = st
		}
		st.Last = ts
		d = delta{i: iv, d: dv}
	default:
		b.skipped++
		return
	}
	b.changed = true
	b.add(md, res, attrs, ts, d)
}

// histogramPoint is sumPoint for histograms; the observation count plays
// the part of a monotonic cumulative value.
func (b *batch) histogramPoint(res, scope string, m pmetric.Metric, temp pmetric.AggregationTemporality, dp pmetric.HistogramDataPoint) {
	ts := int64(dp.Timestamp())
	if ts == 0 || dp.Flags().NoRecordedValue() || math.IsNaN(dp.Sum()) || math.IsInf(dp.Sum(), 0) {
		b.skipped++
		return
	}
	bounds := dp.ExplicitBounds().AsRaw()
	buckets := dp.BucketCounts().AsRaw()
	attrs := canonical(dp.Attributes())
	md := meta{name: m.Name(), unit: m.Unit(), desc: m.Description(), histogram: true}
	sk := streamKey(res, scope, m.Name(), attrs)
	st := b.st.Streams[sk]
	d := delta{count: dp.Count(), sum: dp.Sum(), bounds: bounds, buckets: buckets}
	switch temp {
	case pmetric.AggregationTemporalityCumulative:
		start := int64(dp.StartTimestamp())
		switch {
		case st == nil || start > st.Start:
			st = &stream{Start: start}
			b.st.Streams[sk] = st
		case start < st.Start:
			b.replay(md, res, attrs, ts)
			return
		case !slices.Equal(bounds, st.Bounds) || len(buckets) != len(st.Buckets):
			b.skipped++ // the buckets changed within one incarnation
			return
		case dp.Count() > st.Count || (dp.Count() == st.Count && ts > st.Last):
			d.count = dp.Count() - st.Count
			d.sum = dp.Sum() - st.Sum
			d.buckets = make([]uint64, len(buckets))
			for i := range buckets {
				d.buckets[i] = buckets[i] - min(buckets[i], st.Buckets[i])
			}
		default:
			b.replay(md, res, attrs, ts)
			return
		}
		st.Count, st.Sum, st.Bounds, st.Buckets = dp.Count(), dp.Sum(), bounds, buckets
		st.Last = max(st.Last, ts)
	case pmetric.AggregationTemporalityDelta:
		if st != nil && ts <= st.Last {
			b.replay(md, res, attrs, ts)
			return
		}
		if st == nil {
			st = &stream{}
			b.st.Streams[sk] = st
		}
		st.Last = ts
	default:
		b.skipped++
		return
	}
	b.changed = true
	b.add(md, res, attrs, ts, d)
}

// compareNumber compares a point's value with the last counted one; a
// stream holds either ints or doubles, the other part is zero.
func compareNumber(i int64, d float64, oi int64, od float64) int {
	if i != oi {
		return cmp.Compare(i, oi)
	}
	return cmp.Compare(d, od)
}

func windowKey(metric, period string, start int64, res, attrs string) string {
	return string(appendWindowKey(nil, metric, period, start, res, attrs))
}

func appendWindowKey(dst []byte, metric, period string, start int64, res, attrs string) []byte {
	dst = append(dst, metric...)
	dst = append(dst, 0)
	dst = append(dst, period...)
	dst = append(dst, 0)
	dst = strconv.AppendInt(dst, start, 10)
	dst = append(dst, 0)
	dst = append(dst, res...)
	dst = append(dst, 0)
	return append(dst, attrs...)
}

// openWindow returns the open window of a key, nil when there is none.
func (b *batch) openWindow(metric, period string, start int64, res, attrs string) *window {
	b.kbuf = appendWindowKey(b.kbuf[:0], metric, period, start, res, attrs)
	return b.st.Windows[string(b.kbuf)]
}

// replay handles a point that adds nothing: the windows it belongs to are
// sent again (their totals are absolute, so this is harmless, and it
// re-delivers a batch whose first delivery failed downstream). Closed
// windows are not reopened.
func (b *batch) replay(md meta, res, attrs string, ts int64) {
	b.replayed++
	for _, period := range b.p.cfg.Periods {
		start, _ := windowOf(period, b.p.loc, time.Unix(0, ts))
		if w := b.openWindow(md.name, period, start.UnixMilli(), res, attrs); w != nil {
			b.touched[w] = struct{}{}
		}
	}
}

// add adds d to the point's window of every period, opening windows as
// needed; a window that has already closed gets nothing and is reported as
// a gap instead.
func (b *batch) add(md meta, res, attrs string, ts int64, d delta) {
	b.newest = max(b.newest, ts)
	late := false
	for _, period := range b.p.cfg.Periods {
		start, end := windowOf(period, b.p.loc, time.Unix(0, ts))
		w := b.openWindow(md.name, period, start.UnixMilli(), res, attrs)
		if w == nil {
			w = &window{
				Metric: md.name, Unit: md.unit, Description: md.desc, Histogram: md.histogram, Monotonic: md.monotonic,
				Double: md.dbl, Nano: md.nano, Period: period, Start: start.UnixMilli(), End: end.UnixMilli(),
				Resource: res, Attributes: attrs, Bounds: d.bounds,
			}
			if b.closed(end) {
				late = true
				w.Observed = ts
				b.gaps[string(b.kbuf)] = w
				continue
			}
			if md.histogram {
				w.Buckets = make([]uint64, len(d.buckets))
			}
			b.st.putWindow(string(b.kbuf), w)
			b.opened(md.name, period, start, end)
		}
		if md.histogram {
			if !slices.Equal(w.Bounds, d.bounds) || len(w.Buckets) != len(d.buckets) {
				b.skipped++
				continue
			}
			w.Count += d.count
			w.Sum += d.sum
			for i := range d.buckets {
				w.Buckets[i] += d.buckets[i]
			}
		} else {
			w.Int += d.i
			w.Value += d.d
			w.Double = w.Double || md.dbl
		}
		w.Facts += d.facts
		w.Observed = max(w.Observed, ts)
		b.st.markWindow(w)
		b.touched[w] = struct{}{}
	}
	if late {
		b.late++
	}
}

// closed reports whether a window ending at end had closed when the batch
// began.
func (b *batch) closed(end time.Time) bool {
	return b.horizon > 0 && end.UnixNano()+int64(b.p.cfg.CloseAfter) <= b.horizon
}

// opened records where complete coverage of a metric and period begins when
// a window opens:
//   - metrics, and logs without complete_history: the end of the first
//     window the state ever opened (it may lack points from before the
//     state began); in logs mode sinceOf further starts coverage after
//     CompleteAfter;
//   - logs with complete_history: the pipeline fed every fact through this
//     state, so coverage begins at the earliest window it opened.
func (b *batch) opened(metric, period string, start, end time.Time) {
	sk := metric + "\x00" + period
	since, ok := b.st.Since[sk]
	switch {
	case b.logs && b.p.cfg.CompleteHistory:
		if !ok || start.UnixMilli() < since {
			b.st.Since[sk] = start.UnixMilli()
		}
	case !ok:
		b.st.Since[sk] = end.UnixMilli()
	}
}

// sinceOf is where complete coverage of a metric and period begins (unix
// ms); ok is false while it is not known.
func (b *batch) sinceOf(metric, period string) (int64, bool) {
	since, ok := b.st.Since[metric+"\x00"+period]
	if !ok || !b.logs || b.p.cfg.CompleteHistory {
		return since, ok
	}
	if b.st.CompleteAfter == 0 {
		return 0, false
	}
	_, end := windowOf(period, b.p.loc, time.Unix(0, b.st.CompleteAfter))
	return max(since, end.UnixMilli()), true
}

// finish collects the touched windows for emission, then advances the
// watermark and drops the windows that closed.
func (b *batch) finish() {
	for k := range b.st.Pending {
		if w, open := b.st.Windows[k]; open {
			b.touched[w] = struct{}{}
		}
	}
	b.out = make([]*window, 0, len(b.touched))
	for w := range b.touched {
		b.out = append(b.out, w)
	}
	slices.SortFunc(b.out, func(x, y *window) int { return cmp.Compare(x.key, y.key) })
	for _, w := range b.out {
		// Until the caller reports delivery (delivered).
		if !b.st.Pending[w.key] {
			b.st.Pending[w.key] = true
			b.changed = true
		}
	}
	if b.newest > b.st.Watermark {
		b.st.Watermark = b.newest
		b.changed = true
	}
	if !b.holding() && b.st.Horizon < b.st.Watermark {
		b.st.Horizon = b.st.Watermark
		b.changed = true
	}
	if b.logs && !b.p.cfg.CompleteHistory && b.st.CompleteAfter == 0 && !b.holding() && b.st.Watermark > 0 {
		b.st.CompleteAfter = b.st.Watermark
		b.changed = true
	}
	if b.st.swept == b.st.Horizon {
		// Nothing closed since the last sweep: a window kept open only
		// because it was pending is closed by delivered.
		return
	}
	for k, w := range b.st.Windows {
		if b.windowClosed(w) && !b.st.Pending[k] {
			b.st.dropWindow(k, w)
			b.changed = true
		}
	}
	if b.logs {
		b.dropClosedFacts()
	}
	b.st.swept = b.st.Horizon
}

// windowClosed reports whether an open window has closed on the horizon.
func (b *batch) windowClosed(w *window) bool {
	return w.End*int64(time.Millisecond)+int64(b.p.cfg.CloseAfter) <= b.st.Horizon
}

// delivered records that the batch's windows reached the next consumer,
// and closes the ones that were only kept open for that.
// Every other closed window was dropped by finish (the sweep skips only
// pending windows, and every open pending window is in b.out).
func (b *batch) delivered() {
	for _, w := range b.out {
		delete(b.st.Pending, w.key)
		if b.windowClosed(w) && b.st.Windows[w.key] == w {
			b.st.dropWindow(w.key, w)
		}
	}
}
