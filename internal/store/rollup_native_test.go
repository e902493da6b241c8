package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// TestRollupSeriesSkipsNativeOnlyUsage: native-only API usage is in the
// fact-backed series but not in rollups (computed from transcript facts),
// so token and cost queries over a window holding some are answered from
// the facts; other windows and other metrics still use the rollups.
func TestRollupSeriesSkipsNativeOnlyUsage(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		var entries []RollupEntry
		for d := range 7 {
			entries = append(entries, tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, d), "input", "opus", int64(d+1)))
		}
		require.NoError(t, s.WriteRollups(ctx, entries))
		first := SeriesQuery{Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay, End: rollupDay.AddDate(0, 0, 1)}
		last := SeriesQuery{Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay.AddDate(0, 0, 6), End: rollupDay.AddDate(0, 0, 7)}

		_, ok, err := s.RollupSeries(ctx, first)
		require.NoError(t, err)
		require.True(t, ok)

		n := nativeAPI("r-native", "s9", facts.Usage{Input: 5}, 10, 10, 100)
		n.Time = rollupDay.Add(3 * 3600e9) // on the first day
		require.NoError(t, s.Write(ctx, []facts.Fact{n}))

		_, ok, err = s.RollupSeries(ctx, first)
		require.NoError(t, err)
		assert.False(t, ok, "native-only usage on the first day")
		_, ok, err = s.RollupSeries(ctx, last)
		require.NoError(t, err)
		assert.True(t, ok, "no native usage on the last day")
	})
}
