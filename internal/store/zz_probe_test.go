package store

import (
	"context"
	"os"
	"sort"
	"testing"
	"time"
)

func TestZZProbe(t *testing.T) {
	dsn := os.Getenv("PROBE_DB")
	if dsn == "" {
		t.Skip()
	}
	s, err := Open(context.Background(), Config{Driver: "sqlite", DSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tz := range []string{"UTC", "Asia/Kolkata"} {
		loc, _ := time.LoadLocation(tz)
		q := SeriesQuery{Metric: MetricTokensOutput, Period: PeriodDaily, GroupBy: []string{DimModel}, Loc: loc}
		var ds []time.Duration
		for i := 0; i < 100; i++ {
			t0 := time.Now()
			if _, err := s.Series(context.Background(), q); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		t.Logf("%s p50 %v p95 %v", tz, ds[50], ds[95])
	}
}
