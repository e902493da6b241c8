package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

func day(d, h int) time.Time { return time.Date(2026, 10, d, h, 0, 0, 0, time.UTC) }

// costFacts: $6 on Oct 1 (two requests), $1 on Oct 2, $0.50 on Oct 3, and
// a commit a day on Sep 5..Oct 2.
func costFacts() []facts.Fact {
	req := func(id string, at time.Time, nanos int64) facts.Fact {
		return facts.Fact{Key: "req:" + id, Event: facts.EventAPIRequest, Time: at, SessionID: "s", RootSessionID: "s",
			SessionType: facts.SessionMain, Project: "/p", Model: "claude-opus-4-6", MessageID: id,
			Usage: facts.Usage{Input: 10, Output: 10}, CostNanos: nanos}
	}
	fs := []facts.Fact{
		req("a", day(1, 9), 3_000_000_000), req("b", day(1, 15), 3_000_000_000),
		req("c", day(2, 10), 1_000_000_000), req("d", day(3, 10), 500_000_000),
	}
	for t := time.Date(2026, 9, 5, 12, 0, 0, 0, time.UTC); t.Before(day(3, 0)); t = t.Add(24 * time.Hour) {
		fs = append(fs, facts.Fact{Key: "commit:" + t.Format("0102"), Event: facts.EventCommit, Time: t, SessionID: "s", Project: "/p"})
	}
	return fs
}

func openStore(t *testing.T, driver, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: dsn})
	require.NoError(t, err)
	return s
}

func TestValidate(t *testing.T) {
	ok := store.AlertRule{ID: "cost", Name: "cost", Metric: store.MetricCostUSD, Operator: ">", Threshold: 5}
	require.NoError(t, Validate(&ok))
	assert.Equal(t, store.PeriodDaily, ok.Period)
	assert.Equal(t, "UTC", ok.TZ)
	for field, r := range map[string]store.AlertRule{
		"id":        {ID: "bad id", Name: "x", Metric: "cost_usd", Operator: ">"},
		"name":      {Name: " ", Metric: "cost_usd", Operator: ">"},
		"metric":    {Name: "x", Metric: "dollars", Operator: ">"},
		"operator":  {Name: "x", Metric: "cost_usd", Operator: "=>"},
		"period":    {Name: "x", Metric: "cost_usd", Operator: ">", Period: "monthly"},
		"tz":        {Name: "x", Metric: "cost_usd", Operator: ">", TZ: "Mars/Olympus"},
		"filters":   {Name: "x", Metric: "cost_usd", Operator: ">", Filters: store.Filters{"colour": {"red"}}},
		"threshold": {Name: "x", Metric: "cost_usd", Operator: ">", Threshold: posInf()},
	} {
		err := Validate(&r)
		var qe *store.QueryError
		require.True(t, errors.As(err, &qe), "%s: %v", field, err)
		assert.Equal(t, field, qe.Param)
	}
}

func posInf() float64 { return math.Inf(1) }

func TestCostAlertFiresAndSurvivesRestart(t *testing.T) {
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			dsn := storetest.DSN(t, driver)
			s := openStore(t, driver, dsn)
			require.NoError(t, s.Write(ctx, costFacts()))
			rule := store.AlertRule{ID: "cost-5", Name: "cost over $5 a day", Metric: store.MetricCostUSD, Operator: ">",
				Threshold: 5, Period: store.PeriodDaily, Enabled: true}
			require.NoError(t, Validate(&rule))
			require.NoError(t, s.CreateAlert(ctx, rule))
			require.ErrorIs(t, s.CreateAlert(ctx, rule), store.ErrConflict)

			ev := &Evaluator{Store: s}
			now := day(4, 12)
			n, err := ev.Evaluate(ctx, now)
			require.NoError(t, err)
			assert.Equal(t, 2, n)
			n, err = ev.Evaluate(ctx, now.Add(time.Minute))
			require.NoError(t, err)
			assert.Equal(t, 0, n, "re-evaluation adds nothing")
			want := `[{"alert_id":"cost-5","state":"resolved","bucket":"2026-10-02","bucket_start":"2026-10-02T00:00:00Z","value":1,"threshold":5,"at":"2026-10-04T12:00:00Z"},
				{"alert_id":"cost-5","state":"firing","bucket":"2026-10-01","bucket_start":"2026-10-01T00:00:00Z","value":6,"threshold":5,"at":"2026-10-04T12:00:00Z"}]`
			assertEvents(t, s, want)
			require.NoError(t, s.Close())

			// Restart: the events are there and evaluating again, later and
			// with the firing day out of the window, duplicates nothing.
			s = openStore(t, driver, dsn)
			defer s.Close()
			assertEvents(t, s, want)
			ev = &Evaluator{Store: s, Lookback: 24 * time.Hour}
			n, err = ev.Evaluate(ctx, day(4, 13))
			require.NoError(t, err)
			assert.Equal(t, 0, n)
			assertEvents(t, s, want)
		})
	}
}

func assertEvents(t *testing.T, s *store.Store, want string) {
	t.Helper()
	evs, err := s.AlertEvents(context.Background(), store.AlertEventsQuery{})
	require.NoError(t, err)
	b, err := json.Marshal(evs)
	require.NoError(t, err)
	assert.JSONEq(t, want, string(b))
}

func TestRuleEvents(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "sqlite", storetest.DSN(t, "sqlite"))
	defer s.Close()
	require.NoError(t, s.Write(ctx, costFacts()))
	ev := &Evaluator{Store: s, Lookback: 3 * 24 * time.Hour}
	states := func(r store.AlertRule, now time.Time) []string {
		require.NoError(t, Validate(&r))
		evs, err := ev.RuleEvents(ctx, r, now)
		require.NoError(t, err)
		var out []string
		for _, e := range evs {
			out = append(out, e.Bucket+" "+e.State)
		}
		return out
	}
	// An open day fires for > as soon as it breaches.
	assert.Equal(t, []string{"2026-10-01 firing"},
		states(store.AlertRule{Name: "x", Metric: "cost_usd", Operator: ">=", Threshold: 6}, day(1, 16)))
	assert.Empty(t, states(store.AlertRule{Name: "x", Metric: "cost_usd", Operator: ">=", Threshold: 6}, day(1, 12)))
	// < looks at complete days only: Oct 3 (open at now) is not judged.
	assert.Equal(t, []string{"2026-09-30 firing", "2026-10-01 resolved", "2026-10-02 firing"},
		states(store.AlertRule{Name: "x", Metric: "cost_usd", Operator: "<", Threshold: 2}, day(3, 23)))
	// Hourly in a half-hour zone: 09:00Z is 14:30 in Kolkata.
	assert.Equal(t, []string{"2026-10-01T14 firing", "2026-10-01T15 resolved"},
		states(store.AlertRule{Name: "x", Metric: "cost_usd", Operator: ">", Threshold: 2, Period: "hourly", TZ: "Asia/Kolkata"}, day(1, 11)))
	// Filters apply.
	assert.Empty(t, states(store.AlertRule{Name: "x", Metric: "cost_usd", Operator: ">", Threshold: 0,
		Filters: store.Filters{"project": {"/elsewhere"}}}, day(4, 0)))
}

func TestAnomalies(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "sqlite", storetest.DSN(t, "sqlite"))
	defer s.Close()
	cards, err := Anomalies(ctx, s, day(4, 12), time.UTC)
	require.NoError(t, err)
	assert.Equal(t, "insufficient_data", cards[0].Status)
	assert.Equal(t, "insufficient_data", cards[1].Status)

	require.NoError(t, s.Write(ctx, costFacts()))
	// Oct 3 at noon: $0.50 against a baseline of ($6 + $1)/14 per day.
	cards, err = Anomalies(ctx, s, day(3, 12), time.UTC)
	require.NoError(t, err)
	assert.Equal(t, "insufficient_data", cards[0].Status, "two baseline days with cost")
	assert.InDelta(t, 0.5, cards[0].Current, 1e-9)
	assert.InDelta(t, 0.5, cards[0].Baseline, 1e-9)
	// Commits: one a day throughout, then none after Oct 3 → a drop by Oct 8.
	assert.Equal(t, "commits_per_day", cards[1].Metric)
	assert.Equal(t, "normal", cards[1].Status)
	cards, err = Anomalies(ctx, s, day(8, 12), time.UTC)
	require.NoError(t, err)
	assert.Equal(t, "anomalous", cards[1].Status, "%+v", cards[1])
	assert.InDelta(t, 1.0/7, cards[1].Current, 1e-9) // only Oct 2's commit left in Oct 2..8
}
