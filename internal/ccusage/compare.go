package ccusage

import (
	"fmt"
	"math"
	"sort"
)

// Metric names, identical to the collector API's /api/analytics/series
// `metric` parameter so a test can loop over them.
type Metric string

const (
	MetricTokensInput         Metric = "tokens_input"
	MetricTokensOutput        Metric = "tokens_output"
	MetricTokensCacheCreation Metric = "tokens_cache_creation"
	MetricTokensCacheRead     Metric = "tokens_cache_read"
	MetricCostUSD             Metric = "cost_usd"
)

// Metrics lists every metric CompareSeries checks.
var Metrics = []Metric{
	MetricTokensInput, MetricTokensOutput, MetricTokensCacheCreation, MetricTokensCacheRead, MetricCostUSD,
}

// CostRelTolerance is the relative difference allowed between two costs.
// Costs are float sums in a different order (and possibly a different
// pricing table revision) on each side; token counts have no such excuse.
const CostRelTolerance = 0.001

// costAbsTolerance absorbs float noise around zero (-0.0 vs 1e-17).
const costAbsTolerance = 1e-9

// Series is metric → day (YYYY-MM-DD) → model → value: the shape of a
// `/series?period=daily&group_by=model` answer per metric.
type Series map[Metric]map[string]map[string]float64

// Series returns the report in the same shape as the collector's series, for
// CompareSeries or for printing.
func (r Report) Series() Series {
	s := make(Series, len(Metrics))
	for _, m := range Metrics {
		s[m] = map[string]map[string]float64{}
	}
	for _, d := range r.Daily {
		for _, b := range d.ModelBreakdowns {
			add := func(m Metric, v float64) {
				if s[m][d.Date] == nil {
					s[m][d.Date] = map[string]float64{}
				}
				s[m][d.Date][b.ModelName] += v
			}
			add(MetricTokensInput, float64(b.InputTokens))
			add(MetricTokensOutput, float64(b.OutputTokens))
			add(MetricTokensCacheCreation, float64(b.CacheCreationTokens))
			add(MetricTokensCacheRead, float64(b.CacheReadTokens))
			add(MetricCostUSD, b.Cost)
		}
	}
	return s
}

// Mismatch is one (metric, day, model) cell where the collector (Got)
// disagrees with ccusage (Want). A cell missing on one side counts as 0.
type Mismatch struct {
	Metric Metric
	Day    string
	Model  string
	Want   float64 // ccusage
	Got    float64 // ours
}

func (m Mismatch) String() string {
	if m.Metric == MetricCostUSD {
		rel := math.Inf(1)
		if m.Want != 0 {
			rel = (m.Got - m.Want) / m.Want
		}
		return fmt.Sprintf("%s %s %s: ccusage %.6f, ours %.6f (%+.4f%%)", m.Metric, m.Day, m.Model, m.Want, m.Got, rel*100)
	}
	return fmt.Sprintf("%s %s %s: ccusage %.0f, ours %.0f (diff %+.0f)", m.Metric, m.Day, m.Model, m.Want, m.Got, m.Got-m.Want)
}

// CompareSeries checks the collector's daily per-model series against a
// ccusage report: token metrics must be equal, cost_usd within
// CostRelTolerance. Every metric in Metrics is checked, so ours should hold
// all five (a metric absent from ours reads as all zeros). Cells are the
// union of both sides; zero on both sides is no mismatch, which is what makes
// `<synthetic>` (zero usage, never listed by ccusage) compare equal.
// The result is sorted by metric, day, model.
func CompareSeries(report Report, ours map[Metric]map[string]map[string]float64) []Mismatch {
	want := report.Series()
	var out []Mismatch
	for _, metric := range Metrics {
		for day, model := range cells(want[metric], ours[metric]) {
			for m := range model {
				w, g := want[metric][day][m], ours[metric][day][m]
				if !equal(metric, w, g) {
					out = append(out, Mismatch{Metric: metric, Day: day, Model: m, Want: w, Got: g})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Metric != b.Metric {
			return metricIndex(a.Metric) < metricIndex(b.Metric)
		}
		if a.Day != b.Day {
			return a.Day < b.Day
		}
		return a.Model < b.Model
	})
	return out
}

// cells is the union of (day, model) keys of two day→model maps.
func cells(a, b map[string]map[string]float64) map[string]map[string]struct{} {
	u := map[string]map[string]struct{}{}
	for _, side := range []map[string]map[string]float64{a, b} {
		for day, models := range side {
			if u[day] == nil {
				u[day] = map[string]struct{}{}
			}
			for m := range models {
				u[day][m] = struct{}{}
			}
		}
	}
	return u
}

func equal(metric Metric, want, got float64) bool {
	if metric != MetricCostUSD {
		return want == got
	}
	diff := math.Abs(want - got)
	return diff <= costAbsTolerance || diff <= CostRelTolerance*math.Max(math.Abs(want), math.Abs(got))
}

func metricIndex(m Metric) int {
	for i, x := range Metrics {
		if x == m {
			return i
		}
	}
	return len(Metrics)
}
