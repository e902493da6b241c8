package ccusage

import (
	"reflect"
	"testing"
)

const (
	opus   = "claude-opus-4-6"
	sonnet = "claude-sonnet-4-5-20250929"
)

func testReport() Report {
	return Report{Daily: []Day{
		{Date: "2026-10-01", ModelBreakdowns: []ModelBreakdown{
			{ModelName: opus, InputTokens: 10, OutputTokens: 500, CacheCreationTokens: 2000, CacheReadTokens: 90000, Cost: 1.25},
			{ModelName: sonnet, InputTokens: 4, OutputTokens: 40, CacheCreationTokens: 100, CacheReadTokens: 800, Cost: 0.01},
		}},
		{Date: "2026-10-02", ModelBreakdowns: []ModelBreakdown{
			{ModelName: opus, InputTokens: 1, OutputTokens: 2, CacheCreationTokens: 3, CacheReadTokens: 4, Cost: 0.5},
		}},
	}}
}

// edit returns our copy of the report's series changed by f.
func edit(f func(s Series)) Series {
	s := testReport().Series()
	f(s)
	return s
}

func TestCompareSeries(t *testing.T) {
	tests := []struct {
		name string
		ours Series
		want []Mismatch
	}{
		{name: "identical", ours: testReport().Series()},
		{
			name: "cost within 0.1% passes",
			ours: edit(func(s Series) { s[MetricCostUSD]["2026-10-01"][opus] = 1.25 * 1.0009 }),
		},
		{
			name: "cost off by 0.2% fails",
			ours: edit(func(s Series) { s[MetricCostUSD]["2026-10-01"][opus] = 1.25 * 1.002 }),
			want: []Mismatch{{MetricCostUSD, "2026-10-01", opus, 1.25, 1.25 * 1.002}},
		},
		{
			name: "tokens must match exactly",
			ours: edit(func(s Series) { s[MetricTokensCacheRead]["2026-10-01"][opus]++ }),
			want: []Mismatch{{MetricTokensCacheRead, "2026-10-01", opus, 90000, 90001}},
		},
		{
			name: "model missing on our side",
			ours: edit(func(s Series) {
				for _, m := range Metrics {
					delete(s[m]["2026-10-01"], sonnet)
				}
			}),
			want: []Mismatch{
				{MetricTokensInput, "2026-10-01", sonnet, 4, 0},
				{MetricTokensOutput, "2026-10-01", sonnet, 40, 0},
				{MetricTokensCacheCreation, "2026-10-01", sonnet, 100, 0},
				{MetricTokensCacheRead, "2026-10-01", sonnet, 800, 0},
				{MetricCostUSD, "2026-10-01", sonnet, 0.01, 0},
			},
		},
		{
			name: "extra non-zero day on our side",
			ours: edit(func(s Series) { s[MetricTokensOutput]["2026-10-03"] = map[string]float64{opus: 7} }),
			want: []Mismatch{{MetricTokensOutput, "2026-10-03", opus, 0, 7}},
		},
		{
			name: "zero-valued <synthetic> group is not a mismatch",
			ours: edit(func(s Series) {
				for _, m := range Metrics {
					s[m]["2026-10-02"]["<synthetic>"] = 0
				}
			}),
		},
		{
			name: "metric absent from ours reads as zeros",
			ours: edit(func(s Series) { delete(s, MetricTokensInput) }),
			want: []Mismatch{
				{MetricTokensInput, "2026-10-01", opus, 10, 0},
				{MetricTokensInput, "2026-10-01", sonnet, 4, 0},
				{MetricTokensInput, "2026-10-02", opus, 1, 0},
			},
		},
		{
			name: "float noise around zero cost",
			ours: edit(func(s Series) { s[MetricCostUSD]["2026-10-03"] = map[string]float64{opus: 1e-12} }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := CompareSeries(testReport(), tt.ours)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("CompareSeries =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestReportSeries(t *testing.T) {
	s := testReport().Series()
	if len(s) != len(Metrics) {
		t.Fatalf("metrics = %d", len(s))
	}
	if got := s[MetricTokensOutput]["2026-10-01"][opus]; got != 500 {
		t.Fatalf("tokens_output = %v", got)
	}
	if got := s[MetricCostUSD]["2026-10-02"][opus]; got != 0.5 {
		t.Fatalf("cost_usd = %v", got)
	}
}

func TestMismatchString(t *testing.T) {
	for _, tt := range []struct {
		m    Mismatch
		want string
	}{
		{Mismatch{MetricTokensOutput, "2026-10-01", opus, 10, 12}, "tokens_output 2026-10-01 claude-opus-4-6: ccusage 10, ours 12 (diff +2)"},
		{Mismatch{MetricCostUSD, "2026-10-01", opus, 2, 2.01}, "cost_usd 2026-10-01 claude-opus-4-6: ccusage 2.000000, ours 2.010000 (+0.5000%)"},
	} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}
