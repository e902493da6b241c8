package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestPeriodFor(t *testing.T) {
	kolkata, newYork := mustLoc(t, "Asia/Kolkata"), mustLoc(t, "America/New_York")
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		period    string
		loc       *time.Location
		at        string
		wantLabel string
		wantStart string
	}{
		{PeriodDaily, time.UTC, "2026-10-01T23:45:00Z", "2026-10-01", "2026-10-01T00:00:00Z"},
		{PeriodDaily, kolkata, "2026-10-01T18:15:00Z", "2026-10-01", "2026-09-30T18:30:00Z"},
		{PeriodDaily, kolkata, "2026-10-01T18:30:00Z", "2026-10-02", "2026-10-01T18:30:00Z"},
		{PeriodHourly, kolkata, "2026-10-01T18:45:00Z", "2026-10-02T00", "2026-10-01T18:30:00Z"},
		// New York leaves DST on 2026-11-01 at 06:00Z: 01:xx happens twice.
		{PeriodHourly, newYork, "2026-11-01T05:30:00Z", "2026-11-01T01", "2026-11-01T05:00:00Z"},
		{PeriodHourly, newYork, "2026-11-01T06:30:00Z", "2026-11-01T01", "2026-11-01T06:00:00Z"},
		{PeriodDaily, newYork, "2026-11-02T04:45:00Z", "2026-11-01", "2026-11-01T04:00:00Z"}, // a 25-hour day
		{PeriodDaily, newYork, "2026-11-02T05:00:00Z", "2026-11-02", "2026-11-02T05:00:00Z"},
		// ... and enters DST on 2026-03-08 at 07:00Z.
		{PeriodDaily, newYork, "2026-03-09T03:45:00Z", "2026-03-08", "2026-03-08T05:00:00Z"}, // a 23-hour day
		{PeriodWeekly, newYork, "2026-03-08T12:00:00Z", "2026-03-02", "2026-03-02T05:00:00Z"},
		{PeriodWeekly, newYork, "2026-03-09T04:00:00Z", "2026-03-09", "2026-03-09T04:00:00Z"},
		{PeriodWeekly, time.UTC, "2026-10-04T23:45:00Z", "2026-09-28", "2026-09-28T00:00:00Z"}, // Sunday
		{PeriodWeekly, kolkata, "2026-10-04T18:30:00Z", "2026-10-05", "2026-10-04T18:30:00Z"},  // Monday 00:00 IST
	}
	for _, tt := range tests {
		t.Run(tt.period+" "+tt.loc.String()+" "+tt.at, func(t *testing.T) {
			p := periodFor(tt.period, tt.loc, utc(tt.at))
			assert.Equal(t, tt.wantLabel, p.label)
			assert.Equal(t, tt.wantStart, p.start.UTC().Format(time.RFC3339))
		})
	}
}

func seriesJSON(t testing.TB, s *Store, q SeriesQuery) string {
	t.Helper()
	r, err := s.Series(context.Background(), q)
	require.NoError(t, err)
	b, err := json.Marshal(r)
	require.NoError(t, err)
	return string(b)
}

func TestSeriesScenario(t *testing.T) {
	day1, day2 := `"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z"`, `"bucket":"2026-10-02","start":"2026-10-02T00:00:00Z"`
	tests := []struct {
		name string
		q    SeriesQuery
		want string
	}{
		{"tokens by model", SeriesQuery{Metric: MetricTokensOutput, GroupBy: []string{DimModel}},
			`{"metric":"tokens_output","period":"daily","tz":"UTC","group_by":["model"],"series":[
			{"group":{"model":"claude-haiku-4-5"},"points":[{` + day1 + `,"value":70}]},
			{"group":{"model":"claude-opus-4-6"},"points":[{` + day1 + `,"value":741}]},
			{"group":{"model":"claude-sonnet-4-5"},"points":[{` + day1 + `,"value":2},{` + day2 + `,"value":22}]}]}`},
		{"total tokens, no group", SeriesQuery{Metric: MetricTokensTotal},
			`{"metric":"tokens_total","period":"daily","tz":"UTC","group_by":[],"series":[
			{"group":{},"points":[{` + day1 + `,"value":23126},{` + day2 + `,"value":110}]}]}`},
		{"cost is exact dollars", SeriesQuery{Metric: MetricCostUSD},
			`{"metric":"cost_usd","period":"daily","tz":"UTC","group_by":[],"series":[
			{"group":{},"points":[{` + day1 + `,"value":0.126897819},{` + day2 + `,"value":1.500000001}]}]}`},
		{"sessions count threads", SeriesQuery{Metric: MetricSessions},
			`{"metric":"sessions","period":"daily","tz":"UTC","group_by":[],"series":[
			{"group":{},"points":[{` + day1 + `,"value":2},{` + day2 + `,"value":1}]}]}`},
		{"sessions by session type", SeriesQuery{Metric: MetricSessions, GroupBy: []string{DimSessionType}},
			`{"metric":"sessions","period":"daily","tz":"UTC","group_by":["session_type"],"series":[
			{"group":{"session_type":"main"},"points":[{` + day1 + `,"value":2},{` + day2 + `,"value":1}]},
			{"group":{"session_type":"subagent"},"points":[{` + day1 + `,"value":1}]}]}`},
		{"tool calls by tool and project", SeriesQuery{Metric: MetricToolCalls, GroupBy: []string{DimTool, DimProject}},
			`{"metric":"tool_calls","period":"daily","tz":"UTC","group_by":["tool","project"],"series":[
			{"group":{"project":"/p","tool":"Bash"},"points":[{` + day1 + `,"value":1}]},
			{"group":{"project":"/q","tool":"Edit"},"points":[{` + day1 + `,"value":1}]},
			{"group":{"project":"/p","tool":"Grep"},"points":[{` + day1 + `,"value":1}]},
			{"group":{"project":"/p","tool":"Read"},"points":[{` + day1 + `,"value":1}]}]}`},
		{"tool errors", SeriesQuery{Metric: MetricToolErrors},
			`{"metric":"tool_errors","period":"daily","tz":"UTC","group_by":[],"series":[{"group":{},"points":[{` + day1 + `,"value":1}]}]}`},
		{"commits", SeriesQuery{Metric: MetricCommits, GroupBy: []string{DimProject}},
			`{"metric":"commits","period":"daily","tz":"UTC","group_by":["project"],"series":[{"group":{"project":"/p"},"points":[{` + day1 + `,"value":1}]}]}`},
		{"pull requests hourly", SeriesQuery{Metric: MetricPullRequests, Period: PeriodHourly},
			`{"metric":"pull_requests","period":"hourly","tz":"UTC","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-01T10","start":"2026-10-01T10:00:00Z","value":1}]}]}`},
		// m2 (5) and m3 (7), and m4 (1): of its two equal copies the earlier,
		// at 20 minutes, is kept; the later one at 21 minutes would fall out.
		{"window", SeriesQuery{Metric: MetricTokensInput, Start: at(2 * time.Minute), End: at(21 * time.Minute)},
			`{"metric":"tokens_input","period":"daily","tz":"UTC","group_by":[],"series":[{"group":{},"points":[{` + day1 + `,"value":13}]}]}`},
		{"empty window keeps the ungrouped series", SeriesQuery{Metric: MetricTokensInput, Start: at(-48 * time.Hour), End: at(-47 * time.Hour)},
			`{"metric":"tokens_input","period":"daily","tz":"UTC","group_by":[],"series":[{"group":{},"points":[]}]}`},
		{"empty window, grouped: no series", SeriesQuery{Metric: MetricTokensInput, GroupBy: []string{DimModel}, Start: at(-48 * time.Hour), End: at(-47 * time.Hour)},
			`{"metric":"tokens_input","period":"daily","tz":"UTC","group_by":["model"],"series":[]}`},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, scenarioFacts()...)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				assert.JSONEq(t, tt.want, seriesJSON(t, s, tt.q))
			})
		}
	})
}

func TestSeriesTimeZones(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	req := func(id, ts string, out int64) facts.Fact {
		return apiFact(id, "s", "opus", utc(ts), facts.Usage{Output: out}, 0)
	}
	fs := []facts.Fact{
		req("k1", "2026-10-01T18:29:00Z", 1),     // 23:59 IST on Oct 1
		req("k2", "2026-10-01T18:30:00Z", 10),    // 00:00 IST on Oct 2
		req("n1", "2026-11-01T05:30:00Z", 100),   // 01:30 EDT
		req("n2", "2026-11-01T06:30:00Z", 1000),  // 01:30 EST, same wall clock hour
		req("n3", "2026-11-02T04:59:59Z", 10000), // 23:59 EST, still Nov 1 in New York
	}
	tests := []struct {
		tz, period string
		want       string
	}{
		{"UTC", PeriodDaily, `[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":11},
			{"bucket":"2026-11-01","start":"2026-11-01T00:00:00Z","value":1100},
			{"bucket":"2026-11-02","start":"2026-11-02T00:00:00Z","value":10000}]`},
		{"Asia/Kolkata", PeriodDaily, `[{"bucket":"2026-10-01","start":"2026-09-30T18:30:00Z","value":1},
			{"bucket":"2026-10-02","start":"2026-10-01T18:30:00Z","value":10},
			{"bucket":"2026-11-01","start":"2026-10-31T18:30:00Z","value":1100},
			{"bucket":"2026-11-02","start":"2026-11-01T18:30:00Z","value":10000}]`},
		{"America/New_York", PeriodDaily, `[{"bucket":"2026-10-01","start":"2026-10-01T04:00:00Z","value":11},
			{"bucket":"2026-11-01","start":"2026-11-01T04:00:00Z","value":11100}]`},
		{"America/New_York", PeriodHourly, `[{"bucket":"2026-10-01T14","start":"2026-10-01T18:00:00Z","value":11},
			{"bucket":"2026-11-01T01","start":"2026-11-01T05:00:00Z","value":100},
			{"bucket":"2026-11-01T01","start":"2026-11-01T06:00:00Z","value":1000},
			{"bucket":"2026-11-01T23","start":"2026-11-02T04:00:00Z","value":10000}]`},
		{"America/New_York", PeriodWeekly, `[{"bucket":"2026-09-28","start":"2026-09-28T04:00:00Z","value":11},
			{"bucket":"2026-10-26","start":"2026-10-26T04:00:00Z","value":11100}]`},
		{"Asia/Kolkata", PeriodHourly, `[{"bucket":"2026-10-01T23","start":"2026-10-01T17:30:00Z","value":1},
			{"bucket":"2026-10-02T00","start":"2026-10-01T18:30:00Z","value":10},
			{"bucket":"2026-11-01T11","start":"2026-11-01T05:30:00Z","value":100},
			{"bucket":"2026-11-01T12","start":"2026-11-01T06:30:00Z","value":1000},
			{"bucket":"2026-11-02T10","start":"2026-11-02T04:30:00Z","value":10000}]`},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, fs...)
		for _, tt := range tests {
			t.Run(tt.tz+" "+tt.period, func(t *testing.T) {
				r, err := s.Series(context.Background(), SeriesQuery{Metric: MetricTokensOutput, Period: tt.period, Loc: mustLoc(t, tt.tz)})
				require.NoError(t, err)
				require.Len(t, r.Series, 1)
				got, err := json.Marshal(r.Series[0].Points)
				require.NoError(t, err)
				assert.JSONEq(t, tt.want, string(got))
				assert.Equal(t, tt.tz, r.TZ)
			})
		}
	})
}

func TestSeriesRejectsBadQueries(t *testing.T) {
	tests := []struct {
		q     SeriesQuery
		param string
	}{
		{SeriesQuery{}, "metric"},
		{SeriesQuery{Metric: "tokens"}, "metric"},
		{SeriesQuery{Metric: MetricTokensInput, Period: "monthly"}, "period"},
		{SeriesQuery{Metric: MetricToolCalls, GroupBy: []string{DimModel}}, "group_by"},
		{SeriesQuery{Metric: MetricCommits, GroupBy: []string{DimTool}}, "group_by"},
		{SeriesQuery{Metric: MetricTokensInput, GroupBy: []string{DimModel, DimModel}}, "group_by"},
		{SeriesQuery{Metric: MetricTokensInput, GroupBy: []string{"model; DROP TABLE sessions"}}, "group_by"},
		{SeriesQuery{Metric: MetricTokensInput, Start: at(time.Hour), End: at(0)}, "end"},
	}
	s := openStore(t, "sqlite")
	for _, tt := range tests {
		_, err := s.Series(context.Background(), tt.q)
		var qe *QueryError
		require.True(t, errors.As(err, &qe), "%+v: %v", tt.q, err)
		assert.Equal(t, tt.param, qe.Param)
	}
	_, err := s.Overview(context.Background(), OverviewQuery{Start: at(time.Hour), End: at(time.Hour)})
	var qe *QueryError
	require.True(t, errors.As(err, &qe))
}

func TestOverview(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		o, err := s.Overview(ctx, OverviewQuery{})
		require.NoError(t, err)
		b, err := json.Marshal(o)
		require.NoError(t, err)
		assert.JSONEq(t, `{"tz":"UTC","kpis":{"commits":0,"cost_usd":0,"pull_requests":0,"sessions":0,
			"tokens_cache_creation":0,"tokens_cache_read":0,"tokens_input":0,"tokens_output":0,"tokens_total":0,
			"tool_calls":0,"tool_errors":0,"skill_activations":0,"success_rate":null,"active_time_seconds":0,
			"tasks_done":0,"tasks_deferred":0,"tasks_completion_pct":null}}`, string(b))

		write(t, s, scenarioFacts()...)
		o, err = s.Overview(ctx, OverviewQuery{Loc: mustLoc(t, "Asia/Kolkata")})
		require.NoError(t, err)
		b, err = json.Marshal(o)
		require.NoError(t, err)
		assert.JSONEq(t, `{"tz":"Asia/Kolkata","kpis":{"commits":1,"cost_usd":1.62689782,"pull_requests":1,"sessions":2,
			"tokens_cache_creation":1533,"tokens_cache_read":20744,"tokens_input":124,"tokens_output":835,"tokens_total":23236,
			"tool_calls":4,"tool_errors":1,"skill_activations":0,"success_rate":0.75,"active_time_seconds":2700,
			"tasks_done":0,"tasks_deferred":0,"tasks_completion_pct":null}}`, string(b))
		for _, id := range Metrics() {
			assert.Contains(t, o.KPIs, id)
		}

		// The window: the first 20 minutes hold m1, m2, m3 and four tools.
		o, err = s.Overview(ctx, OverviewQuery{Start: at(0), End: at(20 * time.Minute)})
		require.NoError(t, err)
		assert.Equal(t, int64(112), o.KPIs[MetricTokensInput].Raw())
		assert.Equal(t, int64(1), o.KPIs[MetricSessions].Raw())
		assert.Equal(t, int64(3), o.KPIs[MetricToolCalls].Raw())
		assert.Equal(t, int64(1), o.KPIs[MetricCommits].Raw())
		assert.Equal(t, int64(0), o.KPIs[MetricPullRequests].Raw())
	})
}

// TestDialectsAgree writes the same facts to SQLite and PostgreSQL and
// requires byte-identical JSON for every metric, period, grouping and a
// few time zones (DESIGN.md §8 invariant 4).
func TestDialectsAgree(t *testing.T) {
	ctx := context.Background()
	stores := map[string]*Store{}
	for _, d := range storetest.Drivers {
		stores[d] = openStore(t, d) // skips without PostgreSQL
		write(t, stores[d], scenarioFacts()...)
		write(t, stores[d], benchFacts(0, 3000)...)
	}
	render := func(s *Store, v func(*Store) (any, error)) string {
		r, err := v(s)
		require.NoError(t, err)
		b, err := json.Marshal(r)
		require.NoError(t, err)
		return string(b)
	}
	compare := func(name string, v func(*Store) (any, error)) {
		assert.Equal(t, render(stores["sqlite"], v), render(stores["postgres"], v), name)
	}
	checked := 0
	for _, tz := range []string{"UTC", "Asia/Kolkata", "America/New_York"} {
		loc := mustLoc(t, tz)
		for _, metric := range Metrics() {
			groupings := [][]string{nil}
			for _, d := range groupable(t, stores["sqlite"], metric) {
				groupings = append(groupings, []string{d})
			}
			for _, period := range []string{PeriodPoint, PeriodHourly, PeriodDaily, PeriodWeekly} {
				for _, g := range groupings {
					q := SeriesQuery{Metric: metric, Period: period, Loc: loc, GroupBy: g}
					compare(metric+" "+period+" "+tz, func(s *Store) (any, error) { return s.Series(ctx, q) })
					checked++
				}
			}
		}
		compare("overview "+tz, func(s *Store) (any, error) { return s.Overview(ctx, OverviewQuery{Loc: loc}) })
	}
	compare("status", func(s *Store) (any, error) { return s.Status(ctx) })
	assert.Greater(t, checked, 100)
}
