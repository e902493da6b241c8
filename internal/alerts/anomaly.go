package alerts

import (
	"context"
	"math"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Anomaly card parameters (the math is in the comments of CostSpike and
// VelocityDrop).
const (
	SpikeBaselineDays = 14  // trailing complete days the cost baseline uses
	SpikeSigmas       = 3.0 // a spike is above mean + 3 standard deviations ...
	SpikeMinRatio     = 1.5 // ... and above 1.5 times the mean
	SpikeMinDays      = 3   // baseline days with cost needed to judge at all

	VelocityDays         = 7   // the recent window
	VelocityBaselineDays = 28  // the trailing baseline before it
	VelocityDropRatio    = 0.5 // a drop is a recent rate below half the baseline rate
)

// Card is one anomaly card.
type Card struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	Metric    string  `json:"metric"` // what was measured
	Source    string  `json:"source"` // where it came from
	Current   float64 `json:"current"`
	Baseline  float64 `json:"baseline"` // baseline mean
	StdDev    float64 `json:"baseline_stddev"`
	Threshold float64 `json:"threshold"` // the value current is compared with
	Anomalous bool    `json:"anomalous"`
	// Status: anomalous, normal, or insufficient_data (baseline too thin).
	Status string `json:"status"`
	// Window is the current window [start, end) in RFC 3339 UTC; Baseline
	// the baseline window.
	Window         [2]string `json:"window"`
	BaselineWindow [2]string `json:"baseline_window"`
}

// Anomalies computes the built-in cards at now in loc.
func Anomalies(ctx context.Context, s *store.Store, now time.Time, loc *time.Location) ([]Card, error) {
	spike, err := CostSpike(ctx, s, now, loc)
	if err != nil {
		return nil, err
	}
	drop, err := VelocityDrop(ctx, s, now, loc)
	if err != nil {
		return nil, err
	}
	return []Card{spike, drop}, nil
}

// CostSpike compares today's cost so far (local day of now) with the
// SpikeBaselineDays complete days before it. With mean μ and population
// standard deviation σ of the daily costs, today is a spike when
//
//	cost > max(μ + 3σ, 1.5μ)
//
// (the 1.5μ floor keeps a very regular history, σ ≈ 0, from flagging small
// wobbles). Fewer than SpikeMinDays baseline days with any cost: status
// insufficient_data. Today may still be open: cost only grows, so a spike
// seen early is already a spike.
func CostSpike(ctx context.Context, s *store.Store, now time.Time, loc *time.Location) (Card, error) {
	_, today := store.PeriodOf(store.PeriodDaily, loc, now)
	base := dayShift(today, -SpikeBaselineDays, loc)
	res, err := s.Series(ctx, store.SeriesQuery{Metric: store.MetricCostUSD, Period: store.PeriodDaily, Loc: loc,
		Start: base, End: now})
	if err != nil {
		return Card{}, err
	}
	daily := make(map[int64]float64)
	for _, ser := range res.Series {
		for _, p := range ser.Points {
			daily[p.Start.UnixMilli()] = p.Value.Float()
		}
	}
	var vals []float64
	withCost := 0
	for d := base; d.Before(today); d = store.NextPeriod(store.PeriodDaily, loc, d) {
		v := daily[d.UnixMilli()]
		if v > 0 {
			withCost++
		}
		vals = append(vals, v)
	}
	mean, sd := meanStd(vals)
	c := Card{ID: "cost_spike", Title: "Cost spike", Metric: store.MetricCostUSD, Source: "telemetry_events api_request cost",
		Current: daily[today.UnixMilli()], Baseline: mean, StdDev: sd, Threshold: math.Max(mean+SpikeSigmas*sd, SpikeMinRatio*mean),
		Window: window(today, now), BaselineWindow: window(base, today)}
	switch {
	case withCost < SpikeMinDays:
		c.Status = "insufficient_data"
	case c.Current > c.Threshold:
		c.Status, c.Anomalous = "anomalous", true
	default:
		c.Status = "normal"
	}
	return c, nil
}

// VelocityDrop compares the rate of work done in the last VelocityDays local
// days (today included) with the VelocityBaselineDays before them: tasks
// completed per day when the store has completed tasks (progress files),
// else commits per day. A drop is
//
//	recent rate < 0.5 × baseline rate
//
// with rate = count / days. No work in the baseline: insufficient_data.
func VelocityDrop(ctx context.Context, s *store.Store, now time.Time, loc *time.Location) (Card, error) {
	_, today := store.PeriodOf(store.PeriodDaily, loc, now)
	recentStart := dayShift(today, -(VelocityDays - 1), loc)
	baseStart := dayShift(recentStart, -VelocityBaselineDays, loc)
	c := Card{ID: "velocity_drop", Title: "Velocity drop", Window: window(recentStart, now), BaselineWindow: window(baseStart, recentStart)}

	counts, ok, err := s.TasksDonePerDay(ctx, loc, baseStart, now)
	if err != nil {
		return c, err
	}
	if ok {
		c.Metric, c.Source = "tasks_done_per_day", "tasks (progress files), by completion day"
	} else {
		c.Metric, c.Source = "commits_per_day", "telemetry_events ccdash.commit"
		counts = store.DailyCounts{}
		res, err := s.Series(ctx, store.SeriesQuery{Metric: store.MetricCommits, Period: store.PeriodDaily, Loc: loc,
			Start: baseStart, End: now})
		if err != nil {
			return c, err
		}
		for _, ser := range res.Series {
			for _, p := range ser.Points {
				counts[p.Bucket] += p.Value.Raw()
			}
		}
	}
	var recent, baseline float64
	for d := baseStart; d.Before(now); d = store.NextPeriod(store.PeriodDaily, loc, d) {
		label, _ := store.PeriodOf(store.PeriodDaily, loc, d)
		if d.Before(recentStart) {
			baseline += float64(counts[label])
		} else {
			recent += float64(counts[label])
		}
	}
	c.Current, c.Baseline = recent/VelocityDays, baseline/VelocityBaselineDays
	c.Threshold = VelocityDropRatio * c.Baseline
	switch {
	case baseline == 0:
		c.Status = "insufficient_data"
	case c.Current < c.Threshold:
		c.Status, c.Anomalous = "anomalous", true
	default:
		c.Status = "normal"
	}
	return c, nil
}

func dayShift(day time.Time, n int, loc *time.Location) time.Time {
	l := day.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()+n, 0, 0, 0, 0, loc)
}

func window(a, b time.Time) [2]string {
	return [2]string{a.UTC().Format(time.RFC3339), b.UTC().Format(time.RFC3339)}
}

// meanStd is the mean and population standard deviation.
func meanStd(v []float64) (mean, sd float64) {
	if len(v) == 0 {
		return 0, 0
	}
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(v)))
}
