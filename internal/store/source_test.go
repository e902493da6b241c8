package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/api/apibench"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestSourcePicksUsageBuckets(t *testing.T) {
	kolkata := mustLoc(t, "Asia/Kolkata")
	day := time.Date(2026, 10, 1, 0, 0, 0, 0, kolkata) // 18:30 UTC the day before
	const (
		usage  = "usage_buckets"
		events = "telemetry_events"
		both   = "usage_buckets + telemetry_events"
	)
	tests := []struct {
		name       string
		metric     string
		start, end time.Time
		want       string
		wantArgs   []any
	}{
		{"unbounded", MetricTokensOutput, time.Time{}, time.Time{}, usage, nil},
		{"local dates, +5:30", MetricCostUSD, day, day.AddDate(0, 0, 7), usage, []any{day.Unix(), day.AddDate(0, 0, 7).Unix()}},
		{"sessions", MetricSessions, day, time.Time{}, usage, []any{day.Unix()}},
		{"start inside a bucket", MetricTokensOutput, day.Add(time.Minute), time.Time{}, both,
			[]any{day.Add(15 * time.Minute).Unix(), day.Add(time.Minute).UnixMilli(), day.Add(15 * time.Minute).UnixMilli()}},
		{"end inside a bucket", MetricTokensTotal, time.Time{}, day.Add(time.Millisecond), both,
			[]any{day.Unix(), day.UnixMilli(), day.Add(time.Millisecond).UnixMilli()}},
		{"both inside buckets", MetricTokensInput, day.Add(-time.Second), day.Add(time.Hour + time.Second), both,
			[]any{day.Unix(), day.Add(time.Hour).Unix(), day.Add(-time.Second).UnixMilli(), day.UnixMilli(),
				day.Add(time.Hour).UnixMilli(), day.Add(time.Hour + time.Second).UnixMilli()}},
		{"within two buckets", MetricTokensInput, day.Add(-time.Second), day.Add(time.Second), events,
			[]any{day.Add(-time.Second).UnixMilli(), day.Add(time.Second).UnixMilli()}},
		{"tool metric", MetricToolCalls, time.Time{}, time.Time{}, "tool_calls", nil},
		{"event metric", MetricCommits, day, time.Time{}, events, []any{day.UnixMilli()}},
	}
	s := &Store{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := s.source(metricDefs[tt.metric], tt.start, tt.end)
			var got []string
			for _, table := range []string{usage, events, "tool_calls"} {
				if strings.Contains(src.from, table) {
					got = append(got, table)
				}
			}
			assert.Equal(t, tt.want, strings.Join(got, " + "))
			assert.Equal(t, tt.wantArgs, src.args)
		})
	}
}

// usageFromEvents is usage_buckets recomputed from telemetry_events.
const usageFromEvents = `SELECT bucket, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, COUNT(*),
    ` + "CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT), CAST(SUM(tokens_cache_creation) AS BIGINT)," + `
    CAST(SUM(tokens_cache_read) AS BIGINT), CAST(SUM(cost_nanos) AS BIGINT)
FROM telemetry_events WHERE event_name = 'claude_code.api_request'
GROUP BY bucket, model, project, session_type, CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END
ORDER BY 1, 2, 3, 4, 5`

// sessionUsageFromEvents is session_usage_buckets recomputed from
// telemetry_events.
const sessionUsageFromEvents = `SELECT bucket, session_id, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END AS thread_id, COUNT(*),
    ` + "CAST(SUM(tokens_input) AS BIGINT), CAST(SUM(tokens_output) AS BIGINT), CAST(SUM(tokens_cache_creation) AS BIGINT)," + `
    CAST(SUM(tokens_cache_read) AS BIGINT), CAST(SUM(cost_nanos) AS BIGINT)
FROM telemetry_events WHERE event_name = 'claude_code.api_request'
GROUP BY bucket, session_id, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END
ORDER BY 1, 2, 3, 4, 5, 6`

func queryRows(t testing.TB, s *Store, query string) string {
	t.Helper()
	rows, err := s.db.Query(query)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	cols, err := rows.Columns()
	require.NoError(t, err)
	vals := make([]any, len(cols))
	for rows.Next() {
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v|", v)
		}
		b.WriteByte('\n')
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// TestUsageBucketsMatchEvents checks the invariant the API relies on:
// usage_buckets always equals telemetry_events' API requests summed per
// bucket and group (no group left empty), through replacements that move a
// request to another bucket, model, project or session, replays and
// deletes; and every answer read from it equals the same query over
// telemetry_events.
func TestUsageBucketsMatchEvents(t *testing.T) {
	u := func(out int64) facts.Usage { return facts.Usage{Input: 3, Output: out, CacheCreate5m: 5, CacheRead: 7} }
	moved := func(msgID, session, model, project string, d time.Duration, out int64) facts.Fact {
		f := apiFact(msgID, session, model, at(d), u(out), out*10)
		f.Project = project
		return f
	}
	stages := []struct {
		name  string
		facts []facts.Fact
	}{
		{"scenario", scenarioFacts()},
		{"bench history", benchFacts(0, 3000)},
		{"copies", []facts.Fact{
			moved("x1", "a", "opus", "/p", 0, 10),
			moved("x2", "a", "opus", "/p", 0, 20),
			moved("x3", "a", "opus", "/p", time.Minute, 30),
		}},
		// Larger copies win and take their request elsewhere: another
		// bucket (x1), model and project (x2), session (x3).
		{"moves", []facts.Fact{
			moved("x1", "a", "opus", "/p", time.Hour, 11),
			moved("x2", "a", "haiku", "/q", 0, 21),
			moved("x3", "b", "opus", "/p", time.Minute, 31),
		}},
		{"replay", append(scenarioFacts(), benchFacts(0, 3000)...)},
		// Statements that insert some of their rows and update or skip
		// the others (SQLite reads the inserted ones back).
		{"replay with new lines", benchFacts(2000, 2000)},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		s := openStore(t, driver)
		check := func(stage string) {
			t.Helper()
			want := queryRows(t, s, usageFromEvents)
			require.NotEmpty(t, want)
			assert.Equal(t, want, queryRows(t, s, "SELECT * FROM usage_buckets ORDER BY 1, 2, 3, 4, 5"), stage)
			want = queryRows(t, s, sessionUsageFromEvents)
			assert.Equal(t, want, queryRows(t, s, "SELECT * FROM session_usage_buckets ORDER BY 1, 2, 3, 4, 5, 6"), stage)
		}
		for _, st := range stages {
			for start := 0; start < len(st.facts); start += 700 {
				write(t, s, st.facts[start:min(start+700, len(st.facts))]...)
			}
			check(st.name)
		}
		_, err := s.db.Exec("DELETE FROM telemetry_events WHERE fact_key IN ('req:x1', 'req:m1', 'req:msg_00000001')")
		require.NoError(t, err)
		check("delete")

		both := func(name string, fn func() (any, error)) {
			t.Helper()
			render := func(eventsOnly bool) string {
				s.eventsOnly = eventsOnly
				defer func() { s.eventsOnly = false }()
				v, err := fn()
				require.NoError(t, err)
				b, err := json.Marshal(v)
				require.NoError(t, err)
				return string(b)
			}
			assert.Equal(t, render(true), render(false), name)
		}
		kolkata := mustLoc(t, "Asia/Kolkata")
		windows := [][2]time.Time{
			{},
			{at(0), at(3 * time.Hour)},
			{time.Date(2026, 9, 2, 0, 0, 0, 0, kolkata), time.Date(2026, 10, 2, 0, 0, 0, 0, kolkata)},
			// Bounds inside buckets: whole buckets plus cut ones.
			{at(time.Minute), at(26*time.Hour + 30*time.Second)},
			{time.Date(2026, 9, 1, 5, 7, 1, 0, time.UTC), {}},
			{{}, at(2*time.Minute + time.Millisecond)},
			{at(time.Minute), at(2 * time.Minute)},
		}
		for _, tz := range []string{"UTC", "Asia/Kolkata", "America/New_York"} {
			loc := mustLoc(t, tz)
			for _, metric := range Metrics() {
				if metricDefs[metric].src != srcAPI {
					continue
				}
				groupings := [][]string{nil, {DimModel, DimProject, DimSessionType}}
				for _, d := range groupable(t, s, metric) {
					groupings = append(groupings, []string{d})
				}
				for _, period := range []string{PeriodHourly, PeriodDaily, PeriodWeekly} {
					for _, g := range groupings {
						for _, w := range windows {
							q := SeriesQuery{Metric: metric, Period: period, Loc: loc, GroupBy: g, Start: w[0], End: w[1]}
							both(fmt.Sprintf("%+v", q), func() (any, error) { return s.Series(ctx, q) })
						}
					}
				}
			}
		}
		// Filters and groups that select sessions read session_usage_buckets.
		sessionFilters := []Filters{nil}
		for dim, query := range map[string]string{
			DimAgent: "SELECT MIN(agent_type) FROM sessions WHERE agent_type <> ''",
			DimHost:  "SELECT MIN(host) FROM sessions WHERE host <> ''",
			DimTool:  "SELECT MIN(tool_name) FROM session_tool_usage",
			DimSkill: "SELECT MIN(" + s.skillExpr("payload_json") + ") FROM telemetry_events WHERE " +
				eventIs(facts.EventSkillActivated),
		} {
			var v sql.NullString
			require.NoError(t, s.db.QueryRow(query).Scan(&v))
			if v.Valid && v.String != "" {
				sessionFilters = append(sessionFilters, Filters{dim: {v.String, "no-such-value"}},
					Filters{dim: {v.String}, DimModel: {"opus", "haiku"}})
			}
		}
		require.Greater(t, len(sessionFilters), 4, "the stages have agents, hosts, tools or skills to filter on")
		for _, w := range windows {
			for _, f := range sessionFilters {
				both(fmt.Sprint("overview ", f, w), func() (any, error) {
					return s.Overview(ctx, OverviewQuery{Start: w[0], End: w[1], Filters: f})
				})
				for _, dim := range []string{DimAgent, DimHost, DimModel} {
					for _, metric := range []string{MetricCostUSD, MetricSessions} {
						both(fmt.Sprint("breakdown ", dim, metric, f, w), func() (any, error) {
							return s.Breakdown(ctx, BreakdownQuery{Dimension: dim, Metric: metric, Filters: f, Start: w[0], End: w[1]})
						})
						q := SeriesQuery{Metric: metric, Period: PeriodDaily, GroupBy: []string{dim}, Filters: f, Start: w[0], End: w[1]}
						both(fmt.Sprintf("%+v", q), func() (any, error) { return s.Series(ctx, q) })
					}
				}
			}
		}
	})
}

// TestSessionDimsReadSessionUsage: filters and groups that select sessions
// read session_usage_buckets (emptying it changes their answers), others
// do not.
func TestSessionDimsReadSessionUsage(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, DriverSQLite)
	_, err := apibench.Generate(5000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
	require.NoError(t, err)
	cost := func(f Filters, groupBy string) string {
		t.Helper()
		q := BreakdownQuery{Dimension: groupBy, Filters: f}
		b, err := s.Breakdown(ctx, q)
		require.NoError(t, err)
		out, err := json.Marshal(b.Rows)
		require.NoError(t, err)
		return string(out)
	}
	tests := []struct {
		name      string
		filters   Filters
		groupBy   string
		bySession bool
	}{
		{"group by model", nil, DimModel, false},
		{"group by agent", nil, DimAgent, true},
		{"group by host", nil, DimHost, true},
		{"agent filter", Filters{DimAgent: {"Explore"}}, DimModel, true},
		{"host filter", Filters{DimHost: {"host-1"}}, DimProject, true},
		{"tool filter", Filters{DimTool: {"WebFetch"}}, DimModel, true},
	}
	before := make([]string, len(tests))
	for i, tt := range tests {
		before[i] = cost(tt.filters, tt.groupBy)
		require.NotEqual(t, "[]", before[i], tt.name)
	}
	_, err = s.db.Exec("DELETE FROM session_usage_buckets")
	require.NoError(t, err)
	for i, tt := range tests {
		assert.Equal(t, !tt.bySession, before[i] == cost(tt.filters, tt.groupBy), tt.name)
	}
}
