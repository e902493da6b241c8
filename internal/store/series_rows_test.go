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
)

// groupable is Dimensions(metric) without feature and task when the store
// has no entity_links table yet.
func groupable(t testing.TB, s *Store, metric string) []string {
	t.Helper()
	ok, err := s.hasTable(context.Background(), "entity_links")
	require.NoError(t, err)
	var out []string
	for _, d := range Dimensions(metric) {
		if ok || (d != DimFeature && d != DimTask) {
			out = append(out, d)
		}
	}
	return out
}

// ensureLinks creates entity_links with the columns the queries read when
// the correlation migration is not in this build yet, and adds links.
func ensureLinks(t testing.TB, s *Store, links ...[3]string) {
	t.Helper()
	ctx := context.Background()
	ok, err := s.hasTable(ctx, "entity_links")
	require.NoError(t, err)
	if !ok {
		_, err = s.db.ExecContext(ctx, `CREATE TABLE entity_links (
    from_type TEXT NOT NULL, from_id TEXT NOT NULL, to_type TEXT NOT NULL, to_id TEXT NOT NULL,
    confidence REAL NOT NULL DEFAULT 1, source TEXT NOT NULL DEFAULT '', ambiguity REAL NOT NULL DEFAULT 1,
    first_seen_ms BIGINT NOT NULL, PRIMARY KEY (from_type, from_id, to_type, to_id))`)
		require.NoError(t, err)
	}
	for _, l := range links {
		_, err := s.db.ExecContext(ctx, s.dialect.rebind(
			"INSERT INTO entity_links (from_type, from_id, to_type, to_id, confidence, source, ambiguity, first_seen_ms) VALUES (?, ?, ?, ?, 1, 'explicit', 1, 0)"),
			l[0], l[1], facts.EntitySession, l[2])
		require.NoError(t, err)
	}
}

func TestModelFamily(t *testing.T) {
	models := []string{"", "claude-opus-4-6", "claude-sonnet-4-5-20250929", "claude-3-5-haiku-20241022", "CLAUDE-OPUS",
		"<synthetic>", "gpt-5", "claude-3-opus-sonnet"}
	want := []string{"", "opus", "sonnet", "haiku", "opus", "other", "other", "opus"}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		for i, m := range models {
			assert.Equal(t, want[i], ModelFamily(m), m)
			var got string
			require.NoError(t, s.db.QueryRow(s.dialect.rebind("SELECT "+modelFamilySQL("x.m")+" FROM (SELECT CAST(? AS TEXT) AS m) x"), m).Scan(&got))
			assert.Equal(t, want[i], got, "SQL family of %q", m)
		}
	})
}

func TestFiltersAndNewDimensions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		fs := scenarioFacts()
		skill := facts.Fact{Key: "skill:k1", Event: facts.EventSkillActivated, Time: at(5 * time.Minute),
			SessionID: sMain, RootSessionID: sMain, SessionType: facts.SessionMain, Project: "/p",
			ToolName: "Skill", ToolUseID: "k1", SkillName: "superpowers:brainstorming"}
		write(t, s, append(fs, skill)...)
		ctx := context.Background()
		total := func(metric string, f Filters) int64 {
			t.Helper()
			v, err := s.total(ctx, metricDefs[metric], f, time.Time{}, time.Time{})
			require.NoError(t, err)
			return v.Raw()
		}
		// Row filters.
		assert.Equal(t, int64(124), total(MetricTokensInput, nil))
		assert.Equal(t, int64(12), total(MetricTokensInput, Filters{DimProject: {"/q"}}))
		assert.Equal(t, int64(12), total(MetricTokensInput, Filters{DimModelFamily: {"sonnet"}}))
		assert.Equal(t, int64(112), total(MetricTokensInput, Filters{DimModelFamily: {"opus", "haiku"}}))
		assert.Equal(t, int64(7), total(MetricTokensInput, Filters{DimAgent: {"general-purpose"}}))
		assert.Equal(t, int64(1), total(MetricToolCalls, Filters{DimAgent: {"general-purpose"}}))
		assert.Equal(t, int64(1), total(MetricSkillActivations, Filters{DimSkill: {"superpowers:brainstorming"}}))
		// Session filters: tokens of sessions that called Edit; tool calls of sessions using haiku.
		assert.Equal(t, int64(12), total(MetricTokensInput, Filters{DimTool: {"Edit"}}))
		assert.Equal(t, int64(1), total(MetricToolCalls, Filters{DimModel: {"claude-haiku-4-5"}}))
		assert.Equal(t, int64(105), total(MetricTokensInput, Filters{DimSkill: {"superpowers:brainstorming"}}))
		assert.Equal(t, int64(0), total(MetricCommits, Filters{DimProject: {"/q"}}))

		// Breakdown by family and by skill.
		b, err := s.Breakdown(ctx, BreakdownQuery{Dimension: DimModelFamily, Metric: MetricTokensInput})
		require.NoError(t, err)
		j, _ := json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"model_family","metric":"tokens_input","tz":"UTC","total_rows":3,
			"rows":[{"key":"opus","value":105},{"key":"sonnet","value":12},{"key":"haiku","value":7}]}`, string(j))
		b, err = s.Breakdown(ctx, BreakdownQuery{Dimension: DimModelFamily, Metric: MetricTokensInput, Limit: 1, Offset: 1})
		require.NoError(t, err)
		j, _ = json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"model_family","metric":"tokens_input","tz":"UTC","total_rows":3,
			"rows":[{"key":"sonnet","value":12}]}`, string(j))
		b, err = s.Breakdown(ctx, BreakdownQuery{Dimension: DimSkill, Metric: MetricSkillActivations})
		require.NoError(t, err)
		j, _ = json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"skill","metric":"skill_activations","tz":"UTC","total_rows":1,
			"rows":[{"key":"superpowers:brainstorming","value":1}]}`, string(j))
		b, err = s.Breakdown(ctx, BreakdownQuery{Dimension: DimAgent, Metric: MetricSessions})
		require.NoError(t, err)
		j, _ = json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"agent","metric":"sessions","tz":"UTC","total_rows":2,
			"rows":[{"key":"","value":2},{"key":"general-purpose","value":1}]}`, string(j))

		// Points: one per event time.
		got := seriesJSON(t, s, SeriesQuery{Metric: MetricTokensInput, Period: PeriodPoint, Filters: Filters{DimProject: {"/q"}}})
		assert.JSONEq(t, `{"metric":"tokens_input","period":"point","tz":"UTC","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-01T10:20:00Z","start":"2026-10-01T10:20:00Z","value":1},
			{"bucket":"2026-10-02T12:00:00Z","start":"2026-10-02T12:00:00Z","value":11}]}]}`, got)

		// Paging of groups.
		got = seriesJSON(t, s, SeriesQuery{Metric: MetricToolCalls, Period: PeriodWeekly, GroupBy: []string{DimTool}, Limit: 2, Offset: 1})
		assert.JSONEq(t, `{"metric":"tool_calls","period":"weekly","tz":"UTC","group_by":["tool"],"groups":4,"series":[
			{"group":{"tool":"Edit"},"points":[{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":1}]},
			{"group":{"tool":"Grep"},"points":[{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":1}]}]}`, got)
	})
}

func TestFeatureAndTaskDimensions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, scenarioFacts()...)
		ctx := context.Background()
		if ok, _ := s.hasTable(ctx, "entity_links"); !ok {
			_, err := s.Breakdown(ctx, BreakdownQuery{Dimension: DimFeature})
			var qe *QueryError
			require.True(t, errors.As(err, &qe), "%v", err)
		}
		// s1's subagent is linked to F1 (counts for the thread s1), s2 to
		// F1 and F2, and s2 to task T9.
		ensureLinks(t, s, [3]string{"feature", "F1", sAgent}, [3]string{"feature", "F1", sOther},
			[3]string{"feature", "F2", sOther}, [3]string{"task", "T9", sOther})
		b, err := s.Breakdown(ctx, BreakdownQuery{Dimension: DimFeature, Metric: MetricTokensInput})
		require.NoError(t, err)
		j, _ := json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"feature","metric":"tokens_input","tz":"UTC","total_rows":2,
			"rows":[{"key":"F1","value":124},{"key":"F2","value":12}]}`, string(j))
		v, err := s.total(ctx, metricDefs[MetricTokensInput], Filters{DimFeature: {"F1", "F2"}}, time.Time{}, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, int64(124), v.Raw(), "a thread linked to two matching features counts once")
		v, err = s.total(ctx, metricDefs[MetricToolCalls], Filters{DimTask: {"T9"}}, time.Time{}, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, int64(1), v.Raw())
		got := seriesJSON(t, s, SeriesQuery{Metric: MetricTokensInput, Period: PeriodWeekly, GroupBy: []string{DimFeature, DimTask}})
		assert.JSONEq(t, `{"metric":"tokens_input","period":"weekly","tz":"UTC","group_by":["feature","task"],"series":[
			{"group":{"feature":"F1","task":""},"points":[{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":112}]},
			{"group":{"feature":"F1","task":"T9"},"points":[{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":12}]},
			{"group":{"feature":"F2","task":"T9"},"points":[{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":12}]}]}`, got)
		b, err = s.Breakdown(ctx, BreakdownQuery{Dimension: DimTask, Metric: MetricSessions})
		require.NoError(t, err)
		j, _ = json.Marshal(b)
		assert.JSONEq(t, `{"dimension":"task","metric":"sessions","tz":"UTC","total_rows":2,
			"rows":[{"key":"","value":1},{"key":"T9","value":1}]}`, string(j))
	})
}

func TestQueryErrors(t *testing.T) {
	s := openStore(t, "sqlite")
	ctx := context.Background()
	for name, fn := range map[string]func() error{
		"period": func() error {
			_, err := s.Series(ctx, SeriesQuery{Metric: MetricCostUSD, Period: "yearly"})
			return err
		},
		"group_by": func() error {
			_, err := s.Series(ctx, SeriesQuery{Metric: MetricCostUSD, GroupBy: []string{DimTool}})
			return err
		},
		"limit": func() error { _, err := s.Series(ctx, SeriesQuery{Metric: MetricCostUSD, Limit: -1}); return err },
		"dimension": func() error {
			_, err := s.Breakdown(ctx, BreakdownQuery{Dimension: DimTool, Metric: MetricCostUSD})
			return err
		},
		"skill": func() error {
			_, err := s.Overview(ctx, OverviewQuery{Filters: Filters{DimSkill: {""}}})
			return err
		},
		"colour": func() error { _, err := s.Overview(ctx, OverviewQuery{Filters: Filters{"colour": {"x"}}}); return err },
	} {
		var qe *QueryError
		err := fn()
		require.True(t, errors.As(err, &qe), "%s: %v", name, err)
		assert.Equal(t, name, qe.Param)
	}
}

// TestOverviewMatchesTotals: the overview's merged and parallel queries give
// each metric's own total, with and without filters.
func TestOverviewMatchesTotals(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, scenarioFacts()...)
		write(t, s, benchFacts(0, 2000)...)
		ctx := context.Background()
		for _, f := range []Filters{nil, {DimProject: {"/q"}}, {DimAgent: {"general-purpose"}}, {DimTool: {"Bash"}},
			{DimModelFamily: {"opus"}, DimSessionType: {"main"}}} {
			o, err := s.Overview(ctx, OverviewQuery{Filters: f, Start: at(-time.Hour), End: at(30 * time.Hour)})
			require.NoError(t, err)
			for _, id := range Metrics() {
				v, err := s.total(ctx, metricDefs[id], f, at(-time.Hour), at(30*time.Hour))
				require.NoError(t, err)
				assert.Equal(t, v, o.KPIs[id], "%s %v", id, f)
			}
		}
	})
}
