package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// usageHistory is a realistic history of at least n API requests over 60
// days: sessions in working hours on 8 projects, 4 models (a main model per
// session plus a fast model for small calls), a third of the requests in
// subagents, and one response in eight first seen as a partial copy that a
// later batch replaces. Requests are in session order, as a backfill reads
// them.
func usageHistory(n int) []facts.Fact {
	rng := rand.New(rand.NewPCG(1, 2))
	models := []string{"claude-opus-4-6", "claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"}
	begin := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)
	out := make([]facts.Fact, 0, n+n/8)
	for sess, api := 0, 0; api < n; sess++ {
		id := fmt.Sprintf("sess-%05d", sess)
		project := fmt.Sprintf("/home/u/project-%d", rng.IntN(8))
		main := models[rng.IntN(3)]
		ts := begin.Add(time.Duration(rng.IntN(60))*24*time.Hour + time.Duration(7+rng.IntN(13))*time.Hour +
			time.Duration(rng.IntN(3600))*time.Second)
		agent := ""
		for k := 20 + rng.IntN(300); k > 0 && api < n; k-- {
			ts = ts.Add(time.Duration(2+rng.IntN(40)) * time.Second)
			if rng.IntN(40) == 0 { // a subagent starts or ends
				if agent == "" {
					agent = fmt.Sprintf("%s/agent-%d", id, k)
				} else {
					agent = ""
				}
			}
			model := main
			if rng.IntN(5) == 0 {
				model = models[3]
			}
			u := facts.Usage{Input: int64(1 + rng.IntN(50)), Output: int64(10 + rng.IntN(2000)),
				CacheCreate5m: int64(rng.IntN(5000)), CacheRead: int64(10_000 + rng.IntN(140_000))}
			f := apiFact(fmt.Sprintf("msg_%07d", api), id, model, ts, u, u.Total()*3)
			f.Project = project
			if agent != "" {
				f.SessionID, f.ParentSessionID, f.SessionType, f.IsSidechain = agent, id, facts.SessionSubagent, true
			}
			if api%8 == 0 {
				partial := f
				partial.Usage.Output = 1
				out = append(out, partial)
			}
			out = append(out, f)
			api++
		}
	}
	return out
}

// BenchmarkSeries measures the dashboard's daily tokens-by-model series
// (GET /api/analytics/series?metric=tokens_output&period=daily&group_by=model)
// on a store of 100k API requests over 60 days. It reports the 95th
// percentile of the query time (p95-ns/op) besides the mean. Variants: a
// +5:30 time zone, a window whose bounds cut buckets, and the query over
// telemetry_events alone (as before usage_buckets existed).
func BenchmarkSeries(b *testing.B) {
	ctx := context.Background()
	history := usageHistory(100_000)
	for _, driver := range storetest.Drivers {
		s := openStore(b, driver)
		for start := 0; start < len(history); start += 4096 {
			if err := s.Write(ctx, history[start:min(start+4096, len(history))]); err != nil {
				b.Fatal(err)
			}
		}
		// A dashboard's "last 30 days" ending now: both bounds cut a bucket.
		now := time.Date(2026, 9, 29, 16, 41, 7, 0, time.UTC)
		for _, tt := range []struct {
			name       string
			eventsOnly bool
			loc        string
			start, end time.Time
		}{
			{"usage_buckets", false, "UTC", time.Time{}, time.Time{}},
			{"usage_buckets/Asia_Kolkata", false, "Asia/Kolkata", time.Time{}, time.Time{}},
			{"usage_buckets/last_30d_to_now", false, "UTC", now.AddDate(0, 0, -30), now},
			{"telemetry_events", true, "UTC", time.Time{}, time.Time{}},
		} {
			loc, err := time.LoadLocation(tt.loc)
			if err != nil {
				b.Fatal(err)
			}
			q := SeriesQuery{Metric: MetricTokensOutput, Period: PeriodDaily, GroupBy: []string{DimModel}, Loc: loc,
				Start: tt.start, End: tt.end}
			b.Run(driver+"/"+tt.name, func(b *testing.B) {
				s.eventsOnly = tt.eventsOnly
				defer func() { s.eventsOnly = false }()
				took := make([]time.Duration, 0, b.N)
				for b.Loop() {
					t0 := time.Now()
					r, err := s.Series(ctx, q)
					took = append(took, time.Since(t0))
					if err != nil {
						b.Fatal(err)
					}
					if len(r.Series) != 4 {
						b.Fatalf("%d series, want one per model", len(r.Series))
					}
				}
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)*95/100]), "p95-ns/op")
			})
		}
	}
}
