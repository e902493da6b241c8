package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// seedFacts: two sessions over two UTC days (one of them crossing midnight
// in Asia/Kolkata), two models, tool calls, a commit and ingest progress.
func seedFacts() []facts.Fact {
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	req := func(id, session, model, at string, in, out, costNanos int64) facts.Fact {
		return facts.Fact{Key: "req:" + id, Event: facts.EventAPIRequest, Time: ts(at), SessionID: session,
			RootSessionID: session, SessionType: facts.SessionMain, Project: "/p", Model: model, MessageID: id,
			Usage: facts.Usage{Input: in, Output: out}, CostNanos: costNanos}
	}
	tool := func(id, event, at string, isErr bool) facts.Fact {
		return facts.Fact{Key: event + ":" + id, Event: event, Time: ts(at), SessionID: "a", RootSessionID: "a",
			SessionType: facts.SessionMain, Project: "/p", ToolName: "Bash", ToolUseID: id, IsError: isErr}
	}
	partial := req("m1", "a", "claude-opus-4-6", "2026-10-01T10:00:00Z", 100, 3, 1)
	return []facts.Fact{
		partial,
		req("m1", "a", "claude-opus-4-6", "2026-10-01T10:00:00Z", 100, 40, 250_000_000),
		req("m2", "a", "claude-haiku-4-5", "2026-10-01T18:45:00Z", 10, 4, 1_000_001),
		req("m3", "b", "claude-opus-4-6", "2026-10-02T09:00:00Z", 1000, 400, 2_000_000_000),
		tool("t1", facts.EventToolUse, "2026-10-01T10:01:00Z", false),
		tool("t1", facts.EventToolResult, "2026-10-01T10:01:02Z", true),
		{Key: "commit:abc", Event: facts.EventCommit, Time: ts("2026-10-02T09:30:00Z"), SessionID: "b", Project: "/p"},
		{Key: "ingest:h", Event: facts.EventIngestProgress, Time: ts("2026-10-02T10:00:00Z"),
			IngestInfo: &facts.IngestProgress{Reporter: "h", BackfillComplete: true, FilesTotal: 3, FilesCaughtUp: 3,
				LinesRead: 120, BadLines: 2, LagSeconds: 1.5}},
	}
}

func newServer(t *testing.T, driver string, seed bool) (*httptest.Server, *store.Store) {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	if seed {
		require.NoError(t, s.Write(context.Background(), seedFacts()))
	}
	srv := httptest.NewServer(NewHandler(s))
	t.Cleanup(srv.Close)
	return srv, s
}

func get(t *testing.T, srv *httptest.Server, method, target string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+target, nil)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if method != http.MethodHead {
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"), target)
	}
	return resp.StatusCode, string(body)
}

func forEachDriver(t *testing.T, fn func(t *testing.T, driver string)) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

func TestStatus(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		srv, _ := newServer(t, driver, false)
		code, body := get(t, srv, http.MethodGet, PathStatus)
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"backfill_complete":false,"files_total":0,"files_caught_up":0,"lines_read":0,
			"bad_lines":0,"events_stored":0,"lag_seconds":0}`, body)

		srv, _ = newServer(t, driver, true)
		code, body = get(t, srv, http.MethodGet, PathStatus)
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"backfill_complete":true,"files_total":3,"files_caught_up":3,"lines_read":120,
			"bad_lines":2,"events_stored":6,"lag_seconds":1.5}`, body)
	})
}

func TestSeriesAndOverview(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"defaults: daily UTC, one series", "/api/analytics/series?metric=tokens_output",
			`{"metric":"tokens_output","period":"daily","tz":"UTC","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":44},
			{"bucket":"2026-10-02","start":"2026-10-02T00:00:00Z","value":400}]}]}`},
		{"group by model", "/api/analytics/series?metric=tokens_input&group_by=model",
			`{"metric":"tokens_input","period":"daily","tz":"UTC","group_by":["model"],"series":[
			{"group":{"model":"claude-haiku-4-5"},"points":[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":10}]},
			{"group":{"model":"claude-opus-4-6"},"points":[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":100},
				{"bucket":"2026-10-02","start":"2026-10-02T00:00:00Z","value":1000}]}]}`},
		{"local dates in Asia/Kolkata", "/api/analytics/series?metric=cost_usd&tz=Asia/Kolkata",
			`{"metric":"cost_usd","period":"daily","tz":"Asia/Kolkata","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-01","start":"2026-09-30T18:30:00Z","value":0.25},
			{"bucket":"2026-10-02","start":"2026-10-01T18:30:00Z","value":2.001000001}]}]}`},
		{"inclusive end date in the time zone", "/api/analytics/series?metric=tokens_input&tz=Asia/Kolkata&start=2026-10-02&end=2026-10-02",
			`{"metric":"tokens_input","period":"daily","tz":"Asia/Kolkata","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-02","start":"2026-10-01T18:30:00Z","value":1010}]}]}`},
		{"RFC 3339 bounds, '+' sent unescaped", "/api/analytics/series?metric=tokens_input&period=hourly&start=2026-10-01T15:30:00+05:30&end=2026-10-02T00:00:00Z",
			`{"metric":"tokens_input","period":"hourly","tz":"UTC","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-01T10","start":"2026-10-01T10:00:00Z","value":100},
			{"bucket":"2026-10-01T18","start":"2026-10-01T18:00:00Z","value":10}]}]}`},
		{"weekly tool errors by tool", "/api/analytics/series?metric=tool_errors&period=weekly&group_by=tool",
			`{"metric":"tool_errors","period":"weekly","tz":"UTC","group_by":["tool"],"series":[{"group":{"tool":"Bash"},"points":[
			{"bucket":"2026-09-28","start":"2026-09-28T00:00:00Z","value":1}]}]}`},
		{"overview, all time", "/api/analytics/overview",
			`{"tz":"UTC","start":null,"end":null,"kpis":{"commits":1,"cost_usd":2.251000001,"pull_requests":0,"sessions":2,
			"tokens_cache_creation":0,"tokens_cache_read":0,"tokens_input":1110,"tokens_output":444,"tokens_total":1554,
			"tool_calls":1,"tool_errors":1,"skill_activations":0,"success_rate":0,"active_time_seconds":2700,
			"tasks_done":0,"tasks_deferred":0,"tasks_completion_pct":null}}`},
		{"overview of one local day", "/api/analytics/overview?start=2026-10-01&end=2026-10-01&tz=Asia/Kolkata",
			`{"tz":"Asia/Kolkata","start":"2026-09-30T18:30:00Z","end":"2026-10-01T18:30:00Z","kpis":{"commits":0,
			"cost_usd":0.25,"pull_requests":0,"sessions":1,"tokens_cache_creation":0,"tokens_cache_read":0,
			"tokens_input":100,"tokens_output":40,"tokens_total":140,"tool_calls":1,"tool_errors":1,
			"skill_activations":0,"success_rate":0,"active_time_seconds":900,
			"tasks_done":0,"tasks_deferred":0,"tasks_completion_pct":null}}`},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		srv, _ := newServer(t, driver, true)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, body := get(t, srv, http.MethodGet, tt.target)
				assert.Equal(t, http.StatusOK, code, body)
				assert.JSONEq(t, tt.want, body)
			})
		}
	})
}

func TestErrors(t *testing.T) {
	tests := []struct {
		method, target string
		code           int
		param          string // the error message must start with it
	}{
		{"GET", "/api/analytics/series", 400, "metric"},
		{"GET", "/api/analytics/series?metric=tokens", 400, "metric"},
		{"GET", "/api/analytics/series?metric=tokens_input&metric=tokens_output", 400, "metric"},
		{"GET", "/api/analytics/series?metric=tokens_input&period=monthly", 400, "period"},
		{"GET", "/api/analytics/series?metric=tokens_input&tz=Mars/Olympus", 400, "tz"},
		{"GET", "/api/analytics/series?metric=tokens_input&tz=Local", 400, "tz"},
		{"GET", "/api/analytics/series?metric=tokens_input&tz=../../etc/passwd", 400, "tz"},
		{"GET", "/api/analytics/series?metric=tokens_input&start=2026-02-30", 400, "start"},
		{"GET", "/api/analytics/series?metric=tokens_input&end=yesterday", 400, "end"},
		{"GET", "/api/analytics/series?metric=tokens_input&start=2026-10-02&end=2026-10-01", 400, "end"},
		{"GET", "/api/analytics/series?metric=tool_calls&group_by=model", 400, "group_by"},
		{"GET", "/api/analytics/series?metric=tokens_input&group_by=model,model", 400, "group_by"},
		{"GET", "/api/analytics/series?metric=tokens_input&group_by=nope", 400, "group_by"},
		{"GET", "/api/analytics/series?metric=%zz", 400, "query"},
		{"GET", "/api/analytics/overview?start=2026-13-01", 400, "start"},
		{"GET", "/api/analytics/overview?tz=Nowhere", 400, "tz"},
		{"GET", "/api/analytics/nope", 404, "not found"},
		{"GET", "/", 404, "not found"},
		{"GET", "/api/analytics/series/", 404, "not found"},
		{"POST", "/api/analytics/series?metric=tokens_input", 405, "method"},
		{"DELETE", "/api/analytics/status", 405, "method"},
	}
	srv, _ := newServer(t, "sqlite", true)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			code, body := get(t, srv, tt.method, tt.target)
			assert.Equal(t, tt.code, code, body)
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			assert.True(t, strings.HasPrefix(e.Error, tt.param), "error %q should start with %q", e.Error, tt.param)
		})
	}
}

func TestHeadAndAllow(t *testing.T) {
	srv, _ := newServer(t, "sqlite", false)
	code, _ := get(t, srv, http.MethodHead, PathStatus)
	assert.Equal(t, http.StatusOK, code)
	resp, err := srv.Client().Post(srv.URL+PathStatus, "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "GET, HEAD", resp.Header.Get("Allow"))
}

// TestStoreFailureIs500 closes the store under the handler: a database
// failure is a 500 with no details, reported to the error log.
func TestStoreFailureIs500(t *testing.T) {
	s, err := store.Open(context.Background(), store.Config{Driver: "sqlite", DSN: storetest.DSN(t, "sqlite")})
	require.NoError(t, err)
	var logged []error
	srv := httptest.NewServer(NewHandler(s, WithErrorLog(func(_ *http.Request, err error) { logged = append(logged, err) })))
	defer srv.Close()
	require.NoError(t, s.Close())
	code, body := get(t, srv, http.MethodGet, "/api/analytics/series?metric=tokens_input")
	assert.Equal(t, http.StatusInternalServerError, code)
	assert.JSONEq(t, `{"error":"internal error"}`, body)
	assert.Len(t, logged, 1)
}

// TestDialectsGiveIdenticalBodies compares raw response bytes of SQLite and
// PostgreSQL over the same facts.
func TestDialectsGiveIdenticalBodies(t *testing.T) {
	servers := map[string]*httptest.Server{}
	for _, d := range storetest.Drivers {
		servers[d], _ = newServer(t, d, true) // skips without PostgreSQL
	}
	var targets []string
	for _, m := range store.Metrics() {
		for _, tz := range []string{"UTC", "Asia/Kolkata", "America/New_York"} {
			for _, period := range []string{"hourly", "daily", "weekly"} {
				base := "/api/analytics/series?metric=" + m + "&period=" + period + "&tz=" + tz
				targets = append(targets, base)
				for _, d := range store.Dimensions(m) {
					targets = append(targets, base+"&group_by="+d)
				}
			}
		}
	}
	targets = append(targets, "/api/analytics/overview", "/api/analytics/overview?tz=Asia/Kolkata&start=2026-10-02",
		"/api/analytics/status")
	for _, target := range targets {
		_, a := get(t, servers["sqlite"], http.MethodGet, target)
		_, b := get(t, servers["postgres"], http.MethodGet, target)
		assert.Equal(t, a, b, target)
	}
}
