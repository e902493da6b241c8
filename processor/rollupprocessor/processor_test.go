package rollupprocessor

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

var day = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // a Monday

func at(h, m int) time.Time {
	return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
}

// pt is one input point of the test metric "m" (attribute model).
type pt struct {
	start, ts time.Time
	value     int64
	model     string
}

func sums(temp pmetric.AggregationTemporality, points ...pt) pmetric.Metrics {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("service.name", "claude-code")
	m := rm.ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("m")
	m.SetUnit("tokens")
	s := m.SetEmptySum()
	s.SetIsMonotonic(true)
	s.SetAggregationTemporality(temp)
	for _, p := range points {
		dp := s.DataPoints().AppendEmpty()
		if !p.start.IsZero() {
			dp.SetStartTimestamp(pcommon.NewTimestampFromTime(p.start))
		}
		dp.SetTimestamp(pcommon.NewTimestampFromTime(p.ts))
		dp.SetIntValue(p.value)
		if p.model != "" {
			dp.Attributes().PutStr("model", p.model)
		}
	}
	return md
}

// totals reads a processor's output: the last total of every window, by
// "period start model".
func totals(sink *consumertest.MetricsSink) map[string]int64 {
	out := map[string]int64{}
	for _, md := range sink.AllMetrics() {
		rms := md.ResourceMetrics()
		for i := 0; i < rms.Len(); i++ {
			ms := rms.At(i).ScopeMetrics().At(0).Metrics()
			for j := 0; j < ms.Len(); j++ {
				dps := ms.At(j).Sum().DataPoints()
				for k := 0; k < dps.Len(); k++ {
					dp := dps.At(k)
					a := dp.Attributes()
					p, _ := a.Get(AttrPeriod)
					s, _ := a.Get(AttrPeriodStart)
					key := p.Str() + " " + s.Str()
					if model, ok := a.Get("model"); ok {
						key += " " + model.Str()
					}
					if _, gap := a.Get(AttrIncomplete); gap {
						key += " gap"
					}
					out[key] = dp.IntValue()
				}
			}
		}
	}
	return out
}

func newTestProcessor(t *testing.T, cfg *Config, sink *consumertest.MetricsSink, host component.Host) *rollupProcessor {
	t.Helper()
	p, err := newRollupProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), host))
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func defaultCfg() *Config { return createDefaultConfig().(*Config) }

func TestRollupSums(t *testing.T) {
	start := day.Add(-time.Hour)
	cum, delta := pmetric.AggregationTemporalityCumulative, pmetric.AggregationTemporalityDelta
	tests := []struct {
		name    string
		cfg     func(*Config)
		batches []pmetric.Metrics
		want    map[string]int64
	}{
		{
			name: "cumulative points become per-point increments",
			batches: []pmetric.Metrics{
				sums(cum, pt{start, at(10, 5), 5, "a"}, pt{start, at(10, 40), 8, "a"}),
				sums(cum, pt{start, at(11, 10), 20, "a"}),
			},
			want: map[string]int64{
				"hourly 2026-11-23T10:00:00Z a": 8, "hourly 2026-11-23T11:00:00Z a": 12,
				"daily 2026-11-23T00:00:00Z a": 20, "weekly 2026-11-23T00:00:00Z a": 20,
			},
		},
		{
			name: "a replayed batch adds nothing",
			cfg:  func(c *Config) { c.Periods = []string{PeriodDaily} },
			batches: []pmetric.Metrics{
				sums(cum, pt{start, at(10, 5), 5, "a"}, pt{start, at(10, 40), 8, "a"}),
				sums(cum, pt{start, at(10, 5), 5, "a"}, pt{start, at(10, 40), 8, "a"}),
				sums(cum, pt{start, at(12, 0), 9, "a"}),
				sums(cum, pt{start, at(10, 40), 8, "a"}),
			},
			want: map[string]int64{"daily 2026-11-23T00:00:00Z a": 9},
		},
		{
			name: "a restarted counter (later start) counts from zero",
			cfg:  func(c *Config) { c.Periods = []string{PeriodDaily} },
			batches: []pmetric.Metrics{
				sums(cum, pt{start, at(10, 0), 7, "a"}),
				sums(cum, pt{at(11, 0), at(11, 30), 3, "a"}),
				sums(cum, pt{start, at(10, 0), 7, "a"}), // the old incarnation, replayed
			},
			want: map[string]int64{"daily 2026-11-23T00:00:00Z a": 10},
		},
		{
			name: "attribute sets are separate windows",
			cfg:  func(c *Config) { c.Periods = []string{PeriodDaily} },
			batches: []pmetric.Metrics{
				sums(cum, pt{start, at(1, 0), 4, "a"}, pt{start, at(2, 0), 6, "b"}),
			},
			want: map[string]int64{"daily 2026-11-23T00:00:00Z a": 4, "daily 2026-11-23T00:00:00Z b": 6},
		},
		{
			name: "delta points add up; a redelivered one does not",
			cfg:  func(c *Config) { c.Periods = []string{PeriodHourly} },
			batches: []pmetric.Metrics{
				sums(delta, pt{at(9, 0), at(9, 30), 2, ""}, pt{at(9, 30), at(10, 0), 3, ""}),
				sums(delta, pt{at(9, 30), at(10, 0), 3, ""}),
			},
			want: map[string]int64{"hourly 2026-11-23T09:00:00Z": 2, "hourly 2026-11-23T10:00:00Z": 3},
		},
		{
			name: "windows follow the time zone; weeks start on Monday",
			cfg:  func(c *Config) { c.Timezone = "America/New_York"; c.Periods = []string{PeriodDaily, PeriodWeekly} },
			batches: []pmetric.Metrics{
				// 03:00 UTC Monday is 22:00 Sunday in New York.
				sums(delta, pt{time.Time{}, at(3, 0), 1, ""}, pt{time.Time{}, at(6, 0), 2, ""}),
			},
			want: map[string]int64{
				"daily 2026-11-22T00:00:00-05:00": 1, "daily 2026-11-23T00:00:00-05:00": 2,
				"weekly 2026-11-16T00:00:00-05:00": 1, "weekly 2026-11-23T00:00:00-05:00": 2,
			},
		},
		{
			name: "a point for a closed window is a gap, not a count",
			cfg:  func(c *Config) { c.Periods = []string{PeriodHourly}; c.CloseAfter = 30 * time.Minute },
			batches: []pmetric.Metrics{
				sums(delta, pt{time.Time{}, at(12, 0), 1, "a"}),
				sums(delta, pt{time.Time{}, at(9, 10), 5, "b"}),
			},
			want: map[string]int64{"hourly 2026-11-23T12:00:00Z a": 1, "hourly 2026-11-23T09:00:00Z b gap": 0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultCfg()
			if tt.cfg != nil {
				tt.cfg(cfg)
			}
			require.NoError(t, cfg.Validate())
			sink := new(consumertest.MetricsSink)
			p := newTestProcessor(t, cfg, sink, componenttest.NewNopHost())
			for _, md := range tt.batches {
				require.NoError(t, p.ConsumeMetrics(context.Background(), md))
			}
			assert.Equal(t, tt.want, totals(sink))
		})
	}
}

// TestRestartKeepsState: with storage, a restarted processor continues the
// windows and recognises points it already counted.
func TestRestartKeepsState(t *testing.T) {
	dir := t.TempDir()
	storageID := storagetest.NewStorageID("rollup")
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodHourly}
	cfg.StorageID = &storageID
	start := day.Add(-time.Hour)
	first := sums(pmetric.AggregationTemporalityCumulative, pt{start, at(10, 0), 5, "a"})
	second := sums(pmetric.AggregationTemporalityCumulative, pt{start, at(11, 0), 9, "a"})

	run := func(batches ...pmetric.Metrics) map[string]int64 {
		host := storagetest.NewStorageHost().WithFileBackedStorageExtension("rollup", dir)
		sink := new(consumertest.MetricsSink)
		p, err := newRollupProcessor(processortest.NewNopSettings(metadata.Type), cfg, sink)
		require.NoError(t, err)
		require.NoError(t, p.Start(context.Background(), host))
		for _, md := range batches {
			require.NoError(t, p.ConsumeMetrics(context.Background(), md))
		}
		require.NoError(t, p.Shutdown(context.Background()))
		return totals(sink)
	}
	want := map[string]int64{"hourly 2026-11-23T10:00:00Z a": 5}
	assert.Equal(t, want, run(first))
	// Restarted: the second point adds its increase over the first,
	// which only the restored high-water mark knows.
	assert.Equal(t, map[string]int64{"hourly 2026-11-23T11:00:00Z a": 4}, run(second))
	// Restarted again and everything replayed: nothing changes, the
	// totals are re-sent as they are.
	want["hourly 2026-11-23T11:00:00Z a"] = 4
	assert.Equal(t, want, run(first, second))
}

func TestWithoutStorageARestartIsNotClaimedComplete(t *testing.T) {
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodDaily}
	sink := new(consumertest.MetricsSink)
	p := newTestProcessor(t, cfg, sink, componenttest.NewNopHost())
	require.NoError(t, p.ConsumeMetrics(context.Background(),
		sums(pmetric.AggregationTemporalityDelta, pt{time.Time{}, at(10, 0), 1, ""}, pt{time.Time{}, day.Add(30 * time.Hour), 1, ""})))
	md := sink.AllMetrics()[0]
	dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	require.Equal(t, 2, dps.Len())
	for i := 0; i < dps.Len(); i++ {
		since, ok := dps.At(i).Attributes().Get(AttrSince)
		require.True(t, ok)
		// Coverage begins after the first window this state opened.
		assert.Equal(t, "2026-11-24T00:00:00Z", since.Str())
	}
}

func TestHistograms(t *testing.T) {
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodDaily}
	sink := new(consumertest.MetricsSink)
	p := newTestProcessor(t, cfg, sink, componenttest.NewNopHost())
	hist := func(ts time.Time, count uint64, sum float64, buckets ...uint64) pmetric.Metrics {
		md := pmetric.NewMetrics()
		m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
		m.SetName("ccdash.tool.duration")
		h := m.SetEmptyHistogram()
		h.SetAggregationTemporality(pmetric.AggregationTemporalityCumulative)
		dp := h.DataPoints().AppendEmpty()
		dp.SetStartTimestamp(pcommon.NewTimestampFromTime(day))
		dp.SetTimestamp(pcommon.NewTimestampFromTime(ts))
		dp.SetCount(count)
		dp.SetSum(sum)
		dp.ExplicitBounds().FromRaw([]float64{10, 100})
		dp.BucketCounts().FromRaw(buckets)
		return md
	}
	require.NoError(t, p.ConsumeMetrics(context.Background(), hist(at(10, 0), 2, 30, 1, 1, 0)))
	require.NoError(t, p.ConsumeMetrics(context.Background(), hist(at(23, 0), 5, 530, 1, 2, 2)))
	require.NoError(t, p.ConsumeMetrics(context.Background(), hist(day.Add(25*time.Hour), 6, 531, 2, 2, 2)))
	require.NoError(t, p.ConsumeMetrics(context.Background(), hist(at(23, 0), 5, 530, 1, 2, 2))) // replay

	got := map[string]string{}
	for _, md := range sink.AllMetrics() {
		dps := md.ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Histogram().DataPoints()
		for i := 0; i < dps.Len(); i++ {
			dp := dps.At(i)
			s, _ := dp.Attributes().Get(AttrPeriodStart)
			got[s.Str()] = fmt.Sprintf("count=%d sum=%g buckets=%v", dp.Count(), dp.Sum(), dp.BucketCounts().AsRaw())
		}
	}
	assert.Equal(t, map[string]string{
		"2026-11-23T00:00:00Z": "count=5 sum=530 buckets=[1 2 2]",
		"2026-11-24T00:00:00Z": "count=1 sum=1 buckets=[1 0 0]",
	}, got)
}

func TestMetricSelectionAndKeepInput(t *testing.T) {
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodDaily}
	cfg.Metrics = []string{"other"}
	cfg.KeepInput = true
	sink := new(consumertest.MetricsSink)
	p := newTestProcessor(t, cfg, sink, componenttest.NewNopHost())
	in := sums(pmetric.AggregationTemporalityDelta, pt{time.Time{}, at(1, 0), 1, ""})
	require.NoError(t, p.ConsumeMetrics(context.Background(), in))
	require.Len(t, sink.AllMetrics(), 1)
	assert.Equal(t, in, sink.AllMetrics()[0]) // only the input: "m" is not selected
}

func TestOutputIsDeterministic(t *testing.T) {
	in := func() pmetric.Metrics {
		return sums(pmetric.AggregationTemporalityDelta,
			pt{time.Time{}, at(1, 0), 1, "z"}, pt{time.Time{}, at(2, 0), 1, "a"}, pt{time.Time{}, at(3, 0), 1, "m"})
	}
	var outs []pmetric.Metrics
	for range 3 {
		sink := new(consumertest.MetricsSink)
		p := newTestProcessor(t, defaultCfg(), sink, componenttest.NewNopHost())
		require.NoError(t, p.ConsumeMetrics(context.Background(), in()))
		outs = append(outs, sink.AllMetrics()[0])
	}
	assert.Equal(t, outs[0], outs[1])
	assert.Equal(t, outs[0], outs[2])
	// Keys are sorted: model a before m before z within each period.
	var models []string
	dps := outs[0].ResourceMetrics().At(0).ScopeMetrics().At(0).Metrics().At(0).Sum().DataPoints()
	for i := 0; i < dps.Len(); i++ {
		if p, _ := dps.At(i).Attributes().Get(AttrPeriod); p.Str() == PeriodDaily {
			m, _ := dps.At(i).Attributes().Get("model")
			models = append(models, m.Str())
		}
	}
	assert.True(t, sort.StringsAreSorted(models), models)
}

// failOnce fails the first delivery, then passes batches to the sink.
type failOnce struct {
	*consumertest.MetricsSink
	failed bool
}

func (f *failOnce) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	if !f.failed {
		f.failed = true
		return errors.New("database down")
	}
	return f.MetricsSink.ConsumeMetrics(ctx, md)
}

// TestUndeliveredWindowsAreSentAgain: a batch the caller drops after a
// downstream failure loses no window total: the windows stay pending (and
// open past close_after) and go out with the next batch.
func TestUndeliveredWindowsAreSentAgain(t *testing.T) {
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodHourly}
	sink := new(consumertest.MetricsSink)
	next := &failOnce{MetricsSink: sink}
	p, err := newRollupProcessor(processortest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	delta := pmetric.AggregationTemporalityDelta
	require.Error(t, p.ConsumeMetrics(context.Background(), sums(delta, pt{time.Time{}, at(10, 0), 5, "a"})))
	require.NoError(t, p.ConsumeMetrics(context.Background(), sums(delta, pt{time.Time{}, at(12, 30), 1, "a"})))
	assert.Equal(t, map[string]int64{"hourly 2026-11-23T10:00:00Z a": 5, "hourly 2026-11-23T12:00:00Z a": 1}, totals(sink))

	// Delivered now: the 10:00 window has closed and is not sent again.
	sink.Reset()
	require.NoError(t, p.ConsumeMetrics(context.Background(), sums(delta, pt{time.Time{}, at(12, 40), 1, "a"})))
	assert.Equal(t, map[string]int64{"hourly 2026-11-23T12:00:00Z a": 2}, totals(sink))
}

// failTimes fails the first n deliveries, then passes batches to the sink.
type failTimes struct {
	*consumertest.MetricsSink
	n int
}

func (f *failTimes) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	if f.n > 0 {
		f.n--
		return errors.New("database down")
	}
	return f.MetricsSink.ConsumeMetrics(ctx, md)
}

// TestPendingWindowClosesOnDelivery: a window kept open past close_after
// only because its total was not delivered closes once it is, also when the
// horizon has not moved since the last batch (batches then skip the scan
// for closed windows): a replay for it afterwards re-sends nothing.
func TestPendingWindowClosesOnDelivery(t *testing.T) {
	cfg := defaultCfg()
	cfg.Periods = []string{PeriodHourly}
	sink := new(consumertest.MetricsSink)
	p, err := newRollupProcessor(processortest.NewNopSettings(metadata.Type), cfg, &failTimes{MetricsSink: sink, n: 2})
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, p.Shutdown(context.Background())) }()

	ctx := context.Background()
	delta := pmetric.AggregationTemporalityDelta
	require.Error(t, p.ConsumeMetrics(ctx, sums(delta, pt{time.Time{}, at(10, 0), 5, "a"})))
	// The horizon moves to 12:30: 10:00 has closed but stays open, pending.
	require.Error(t, p.ConsumeMetrics(ctx, sums(delta, pt{time.Time{}, at(12, 30), 1, "a"})))
	// An older point: the horizon stays put; the delivery closes 10:00.
	require.NoError(t, p.ConsumeMetrics(ctx, sums(delta, pt{time.Time{}, at(12, 20), 1, "b"})))
	assert.Equal(t, map[string]int64{"hourly 2026-11-23T10:00:00Z a": 5, "hourly 2026-11-23T12:00:00Z a": 1,
		"hourly 2026-11-23T12:00:00Z b": 1}, totals(sink))

	sink.Reset()
	require.NoError(t, p.ConsumeMetrics(ctx, sums(delta, pt{time.Time{}, at(10, 30), 1, "a"}))) // a replay of stream a
	assert.Empty(t, totals(sink), "the 10:00 window has closed")
}
