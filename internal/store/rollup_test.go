package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// rollupDay is a Monday.
var rollupDay = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func tokenEntry(period string, start time.Time, typ, model string, v int64) RollupEntry {
	end := map[string]time.Time{PeriodHourly: start.Add(time.Hour), PeriodDaily: start.AddDate(0, 0, 1),
		PeriodWeekly: start.AddDate(0, 0, 7)}[period]
	return RollupEntry{
		Metric: "claude_code.token.usage", Unit: "tokens", Kind: RollupSum, Period: period, TZ: "UTC",
		Start: start, End: end, Value: float64(v), Int: &v,
		Resource:   map[string]string{"service.name": "claude-code", "host.name": "laptop"},
		Attributes: map[string]string{"type": typ, "model": model, "ccdash.task.id": "T-1"},
		Observed:   start.Add(time.Minute), Since: rollupDay,
	}
}

func countRows(t *testing.T, s *Store, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM "+table).Scan(&n))
	return n
}

func TestWriteRollupsIsIdempotent(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		entries := []RollupEntry{
			tokenEntry(PeriodDaily, rollupDay, "input", "opus", 10),
			tokenEntry(PeriodDaily, rollupDay, "output", "opus", 3),
			tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, 1), "input", "opus", 7),
		}
		for range 3 {
			require.NoError(t, s.WriteRollups(ctx, entries))
		}
		assert.EqualValues(t, 3, countRows(t, s, "analytics_entries"))
		// Three entries, each scoped to a model, a task and a host.
		assert.EqualValues(t, 9, countRows(t, s, "analytics_entity_links"))
		var empty int64
		require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM analytics_entries WHERE metadata_json = '' OR metadata_json = '{}'").Scan(&empty))
		assert.Zero(t, empty)

		// A later total replaces the entry; an older one (observed
		// earlier, e.g. a late redelivery) does not.
		newer := tokenEntry(PeriodDaily, rollupDay, "input", "opus", 15)
		newer.Observed = newer.Observed.Add(time.Minute)
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{newer, entries[0]}))
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{entries[0]}))
		var v int64
		require.NoError(t, s.db.QueryRow(s.dialect.rebind(
			"SELECT value_int FROM analytics_entries WHERE metric = ? AND bucket_start = ? AND metadata_json LIKE ?"),
			"claude_code.token.usage", rollupDay.UnixMilli(), `%"type":"input"%`).Scan(&v))
		assert.EqualValues(t, 15, v)
		assert.EqualValues(t, 3, countRows(t, s, "analytics_entries"))
	})
}

func TestWriteRollupsRejectsBadEntries(t *testing.T) {
	s := openStore(t, "sqlite")
	bad := tokenEntry(PeriodDaily, rollupDay, "input", "opus", 1)
	bad.Period = "monthly"
	assert.ErrorContains(t, s.WriteRollups(context.Background(), []RollupEntry{bad}), `unknown period "monthly"`)
	assert.Zero(t, countRows(t, s, "analytics_entries"))
}

// TestRollupCoverage: Series answers from rollups only for bounded,
// aligned windows inside the coverage without gaps, for metrics and
// group_by dimensions rollups carry, and never under WithoutRollups.
func TestRollupCoverage(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		var entries []RollupEntry
		for d := range 7 {
			e := tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, d), "input", "opus", int64(d+1))
			entries = append(entries, e)
		}
		require.NoError(t, s.WriteRollups(ctx, entries))
		week := SeriesQuery{Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay, End: rollupDay.AddDate(0, 0, 7)}

		res, ok, err := s.RollupSeries(ctx, week)
		require.NoError(t, err)
		require.True(t, ok)
		require.Len(t, res.Series, 1)
		require.Len(t, res.Series[0].Points, 7)
		assert.EqualValues(t, 7, res.Series[0].Points[6].Value.Raw())
		assert.Equal(t, "2026-11-29", res.Series[0].Points[6].Bucket)

		// Series takes the rollups (there are no facts at all here).
		viaSeries, err := s.Series(ctx, week)
		require.NoError(t, err)
		assert.Equal(t, res, viaSeries)
		fromFacts, err := s.Series(WithoutRollups(ctx), week)
		require.NoError(t, err)
		assert.Empty(t, fromFacts.Series[0].Points)

		notCovered := map[string]SeriesQuery{
			"unbounded":          {Metric: MetricTokensInput, Period: PeriodDaily},
			"unaligned start":    {Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay.Add(time.Hour), End: week.End},
			"before coverage":    {Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay.AddDate(0, 0, -1), End: week.End},
			"after coverage":     {Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay, End: week.End.AddDate(0, 0, 1)},
			"other zone":         {Metric: MetricTokensInput, Period: PeriodDaily, Loc: time.FixedZone("X", 3600), Start: rollupDay, End: week.End},
			"other period":       {Metric: MetricTokensInput, Period: PeriodWeekly, Start: rollupDay, End: week.End},
			"point period":       {Metric: MetricTokensInput, Period: PeriodPoint, Start: rollupDay, End: week.End},
			"distinct metric":    {Metric: MetricSessions, Period: PeriodDaily, Start: rollupDay, End: week.End},
			"unavailable dim":    {Metric: MetricTokensInput, Period: PeriodDaily, GroupBy: []string{DimProject}, Start: rollupDay, End: week.End},
			"metric not rolled":  {Metric: MetricCommits, Period: PeriodDaily, Start: rollupDay, End: week.End},
			"unknown metric":     {Metric: "nope", Period: PeriodDaily, Start: rollupDay, End: week.End},
			"other query fields": {Metric: MetricTokensInput, Period: PeriodDaily, Start: rollupDay, End: week.End, Limit: 1},
		}
		for name, q := range notCovered {
			_, ok, err := s.RollupSeries(ctx, q)
			require.NoError(t, err, name)
			assert.False(t, ok, name)
		}

		// A gap (a point that came after its window closed) sends the
		// windows containing it to the facts.
		gap := tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, 3), "input", "opus", 0)
		gap.Incomplete = true
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{gap}))
		_, ok, err = s.RollupSeries(ctx, week)
		require.NoError(t, err)
		assert.False(t, ok)
		_, ok, err = s.RollupSeries(ctx, SeriesQuery{Metric: MetricTokensInput, Period: PeriodDaily,
			Start: rollupDay, End: rollupDay.AddDate(0, 0, 3)})
		require.NoError(t, err)
		assert.True(t, ok, "the days before the gap are still covered")
	})
}

// TestRollupSeriesMatchesFactsShape: with rollups equal to the facts, both
// sources give byte-identical answers, grouped and not.
func TestRollupSeriesMatchesFactsShape(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		write(t, s,
			apiFact("m1", "s1", "opus", rollupDay.Add(2*time.Hour), facts.Usage{Input: 10, Output: 1}, 5),
			apiFact("m2", "s1", "haiku", rollupDay.Add(26*time.Hour), facts.Usage{Input: 4}, 7),
		)
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{
			tokenEntry(PeriodDaily, rollupDay, "input", "opus", 10),
			tokenEntry(PeriodDaily, rollupDay, "output", "opus", 1),
			tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, 1), "input", "haiku", 4),
			tokenEntry(PeriodDaily, rollupDay.AddDate(0, 0, 1), "output", "haiku", 0),
		}))
		for _, groupBy := range [][]string{nil, {DimModel}} {
			for _, metric := range []string{MetricTokensInput, MetricTokensOutput, MetricTokensTotal} {
				q := SeriesQuery{Metric: metric, Period: PeriodDaily, GroupBy: groupBy, Start: rollupDay, End: rollupDay.AddDate(0, 0, 2)}
				fromRollups, ok, err := s.RollupSeries(ctx, q)
				require.NoError(t, err)
				require.True(t, ok)
				fromFacts, err := s.Series(WithoutRollups(ctx), q)
				require.NoError(t, err)
				assert.Equal(t, fromFacts, fromRollups, "%s %v", metric, groupBy)
			}
		}
	})
}
