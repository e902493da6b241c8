package store

// Temporary (helper H9): times each overview job on a bench store. Removed
// before the report.

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestH9Scratch(t *testing.T) {
	db := os.Getenv("H9_DB")
	if db == "" {
		t.Skip("H9_DB not set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	start := time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)
	end := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	for _, f := range []Filters{{"agent": {"Explore"}}, {"host": {"host-1"}}, {"tool": {"WebFetch"}}} {
		for _, id := range append(Metrics(), KPIActiveTime) {
			t0 := time.Now()
			var err error
			if id == KPIActiveTime {
				_, err = s.activeSeconds(ctx, f, start, end)
			} else {
				_, err = s.total(ctx, metricDefs[id], f, start, end)
				if metricDefs[id].src == srcAPI && id == MetricTokensInput {
					_, err = s.apiTotals(ctx, f, start, end)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v %s %s", f, id, time.Since(t0))
		}
	}
}

func TestH9Corr(t *testing.T) {
	db := os.Getenv("H9_DB")
	if db == "" {
		t.Skip("H9_DB not set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 0; i < 3; i++ {
		f := CorrelationFilter{Limit: 100}
		t0 := time.Now()
		g, _, _ := s.correlationGraph(ctx, f)
		t1 := time.Now()
		b := &corrBuilder{g: g, filter: f}
		b.build()
		t2 := time.Now()
		rows := page(b.rows, 100, 0)
		err := s.describeCorrelation(ctx, rows)
		t3 := time.Now()
		m, _ := s.correlationMatches(ctx, CorrelationFilter{Project: "/home/dev/project-03"}, g.sessions())
		t4 := time.Now()
		t.Log(err, len(b.rows), "graph", t1.Sub(t0), "build", t2.Sub(t1), "describe", t3.Sub(t2), "match", t4.Sub(t3), len(m))
	}
}

func TestH9Scan(t *testing.T) {
	db := os.Getenv("H9_DB")
	if db == "" {
		t.Skip("H9_DB not set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []string{
		"SELECT from_type, from_id, to_type, to_id, confidence, source, ambiguity FROM entity_links",
		"SELECT from_type, from_id, to_type, to_id FROM entity_links",
		"SELECT from_id, to_id FROM entity_links",
		"SELECT from_type || ' ' || from_id || ' ' || to_type || ' ' || to_id FROM entity_links",
		"SELECT COUNT(*) FROM entity_links",
	} {
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			rows, _ := s.db.QueryContext(ctx, q)
			cols, _ := rows.Columns()
			dest := make([]any, len(cols))
			for i := range dest {
				dest[i] = new(any)
			}
			n := 0
			for rows.Next() {
				rows.Scan(dest...)
				n++
			}
			rows.Close()
			t.Log(q[:min(len(q), 40)], n, time.Since(t0))
		}
	}
}

func TestH9Prom(t *testing.T) {
	db := os.Getenv("H9_DB")
	if db == "" {
		t.Skip("H9_DB not set")
	}
	ctx := context.Background()
	s, err := Open(ctx, Config{Driver: DriverSQLite, DSN: db})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, md := range [][2]string{{"tokens_input", "model"}, {"cost_usd", "model"}, {"tool_calls", "tool"}, {"tool_errors", "tool"}, {"skill_activations", "skill"}, {"sessions", "project"}, {"commits", "project"}, {"pull_requests", "project"}} {
		t0 := time.Now()
		_, err := s.Breakdown(ctx, BreakdownQuery{Metric: md[0], Dimension: md[1]})
		t.Log(md, time.Since(t0), err)
	}
}
