package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/alerts"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// fixedNow is the clock of the endpoints whose default window ends now.
var fixedNow = time.Date(2026, 10, 3, 12, 0, 0, 0, time.UTC)

// richFacts adds to seedFacts a subagent thread of session a (with its own
// request, a Read call and a skill), a link of session b to feature F1 and
// task T1, and a PR.
func richFacts() []facts.Fact {
	ts := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	sub := "a/agent-1"
	fs := seedFacts()
	fs = append(fs,
		facts.Fact{Key: "session:a/agent-1", Event: facts.EventSession, Time: ts("2026-10-01T10:05:00Z"),
			FirstTime: ts("2026-10-01T10:05:00Z"), LastTime: ts("2026-10-01T10:20:00Z"), SessionID: sub,
			ParentSessionID: "a", RootSessionID: "a", SessionType: facts.SessionSubagent, AgentID: "1",
			AgentType: "Explore", Project: "/p"},
		facts.Fact{Key: "req:s1", Event: facts.EventAPIRequest, Time: ts("2026-10-01T10:06:00Z"), SessionID: sub,
			ParentSessionID: "a", RootSessionID: "a", SessionType: facts.SessionSubagent, Project: "/p",
			Model: "claude-sonnet-4-5", MessageID: "s1", IsSidechain: true,
			Usage: facts.Usage{Input: 7, Output: 70, CacheRead: 700}, CostNanos: 3_500_000},
		facts.Fact{Key: "tool_use:r1", Event: facts.EventToolUse, Time: ts("2026-10-01T10:07:00Z"), SessionID: sub,
			ParentSessionID: "a", RootSessionID: "a", SessionType: facts.SessionSubagent, Project: "/p",
			ToolName: "Read", ToolUseID: "r1"},
		facts.Fact{Key: "tool_result:r1", Event: facts.EventToolResult, Time: ts("2026-10-01T10:07:01Z"), SessionID: sub,
			ParentSessionID: "a", RootSessionID: "a", SessionType: facts.SessionSubagent, Project: "/p",
			ToolUseID: "r1", DurationMs: 40},
		facts.Fact{Key: "skill:k1", Event: facts.EventSkillActivated, Time: ts("2026-10-01T10:08:00Z"), SessionID: "a",
			RootSessionID: "a", SessionType: facts.SessionMain, Project: "/p", ToolName: "Skill", ToolUseID: "k1",
			SkillName: "pdf"},
		facts.Fact{Key: "pr:https://x/pull/3", Event: facts.EventPullRequest, Time: ts("2026-10-02T09:40:00Z"),
			SessionID: "b", RootSessionID: "b", SessionType: facts.SessionMain, Project: "/p", PRNumber: 3,
			PRURL: "https://x/pull/3"},
	)
	for _, l := range [][2]string{{facts.EntityFeature, "F1"}, {facts.EntityTask, "T1"}} {
		fs = append(fs, facts.Fact{Key: "link:" + l[0] + ":" + l[1] + ":b", Event: facts.EventLink, Time: ts("2026-10-02T09:00:00Z"),
			SessionID: "b", LinkFromType: l[0], LinkFromID: l[1], LinkToType: facts.EntitySession, LinkToID: "b",
			Confidence: 1, LinkSource: facts.LinkExplicit, Ambiguity: 1})
	}
	return fs
}

func richServer(t *testing.T, driver string) (*httptest.Server, *store.Store) {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.Write(context.Background(), richFacts()))
	srv := httptest.NewServer(NewHandler(s, WithClock(func() time.Time { return fixedNow })))
	t.Cleanup(srv.Close)
	return srv, s
}

// do sends a request and returns the status, Content-Type and body.
func do(t *testing.T, srv *httptest.Server, method, target, body string) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+target, rd)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name, target, want string
	}{
		{"breakdown by model family, filtered", "/api/analytics/breakdown?dimension=model_family&metric=tokens_input&project=/p",
			`{"dimension":"model_family","metric":"tokens_input","tz":"UTC","total_rows":3,"start":null,"end":null,
			"rows":[{"key":"opus","value":1100},{"key":"haiku","value":10},{"key":"sonnet","value":7}]}`},
		{"breakdown paged", "/api/analytics/breakdown?dimension=model&limit=1&offset=1",
			`{"dimension":"model","metric":"cost_usd","tz":"UTC","total_rows":3,"start":null,"end":null,
			"rows":[{"key":"claude-sonnet-4-5","value":0.0035}]}`},
		{"breakdown by agent", "/api/analytics/breakdown?dimension=agent&metric=tool_calls",
			`{"dimension":"agent","metric":"tool_calls","tz":"UTC","total_rows":2,"start":null,"end":null,
			"rows":[{"key":"","value":1},{"key":"Explore","value":1}]}`},
		{"breakdown by feature", "/api/analytics/breakdown?dimension=feature&metric=cost_usd",
			`{"dimension":"feature","metric":"cost_usd","tz":"UTC","total_rows":2,"start":null,"end":null,
			"rows":[{"key":"F1","value":2},{"key":"","value":0.254500001}]}`},
		{"breakdown by skill", "/api/analytics/breakdown?dimension=skill&metric=skill_activations",
			`{"dimension":"skill","metric":"skill_activations","tz":"UTC","total_rows":1,"start":null,"end":null,
			"rows":[{"key":"pdf","value":1}]}`},
		{"series of points, task filter", "/api/analytics/series?metric=tokens_input&period=point&task=T1",
			`{"metric":"tokens_input","period":"point","tz":"UTC","group_by":[],"series":[{"group":{},"points":[
			{"bucket":"2026-10-02T09:00:00Z","start":"2026-10-02T09:00:00Z","value":1000}]}]}`},
		{"series grouped by agent, paged", "/api/analytics/series?metric=tokens_output&group_by=agent&limit=1",
			`{"metric":"tokens_output","period":"daily","tz":"UTC","group_by":["agent"],"groups":2,"series":[
			{"group":{"agent":""},"points":[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":44},
			{"bucket":"2026-10-02","start":"2026-10-02T00:00:00Z","value":400}]}]}`},
		{"series by model filtered by tool (sessions that used Read)", "/api/analytics/series?metric=tokens_output&group_by=model&tool=Read",
			`{"metric":"tokens_output","period":"daily","tz":"UTC","group_by":["model"],"series":[
			{"group":{"model":"claude-sonnet-4-5"},"points":[{"bucket":"2026-10-01","start":"2026-10-01T00:00:00Z","value":70}]}]}`},
		{"overview filtered by session type", "/api/analytics/overview?session_type=subagent",
			`{"tz":"UTC","start":null,"end":null,"kpis":{"active_time_seconds":900,"commits":0,"cost_usd":0.0035,
			"pull_requests":0,"sessions":1,"skill_activations":0,"success_rate":1,"tasks_completion_pct":null,
			"tasks_deferred":0,"tasks_done":0,"tokens_cache_creation":0,"tokens_cache_read":700,"tokens_input":7,
			"tokens_output":70,"tokens_total":777,"tool_calls":1,"tool_errors":0}}`},
		{"session detail", "/api/analytics/sessions/a",
			`{"session":{"id":"a","parent_id":"","root_id":"a","depth":0,"type":"main","agent_id":"","agent_type":"",
			"project":"/p","git_branch":"","version":"","status":"","first_seen":"2026-10-01T10:00:00Z","last_seen":"2026-10-01T18:45:00Z",
			"api_requests":2,"tokens_input":110,"tokens_output":44,"tokens_cache_creation":0,"tokens_cache_read":0,"cost_usd":0.251000001,
			"tool_calls":1,"tool_errors":1},
			"subthreads":[{"id":"a/agent-1","parent_id":"a","root_id":"a","depth":1,"type":"subagent","agent_id":"1","agent_type":"Explore",
			"project":"/p","git_branch":"","version":"","status":"","first_seen":"2026-10-01T10:05:00Z","last_seen":"2026-10-01T10:20:00Z",
			"api_requests":1,"tokens_input":7,"tokens_output":70,"tokens_cache_creation":0,"tokens_cache_read":700,"cost_usd":0.0035,
			"tool_calls":1,"tool_errors":0}],
			"tools":[{"tool":"Bash","calls":1,"successes":0,"errors":1,"total_ms":2000}],
			"timeline":[
			{"time":"2026-10-01T10:00:00Z","model":"claude-opus-4-6","tokens_input":100,"tokens_output":40,"tokens_cache_creation":0,"tokens_cache_read":0,"cost_usd":0.25,"cumulative_tokens":140},
			{"time":"2026-10-01T18:45:00Z","model":"claude-haiku-4-5","tokens_input":10,"tokens_output":4,"tokens_cache_creation":0,"tokens_cache_read":0,"cost_usd":0.001000001,"cumulative_tokens":154}],
			"native_events":[]}`},
		{"trends", "/api/analytics/trends?metric=cost_usd,commits&start=2026-10-02&end=2026-10-02",
			`{"tz":"UTC","start":"2026-10-02T00:00:00Z","end":"2026-10-03T00:00:00Z","previous_start":"2026-10-01T00:00:00Z",
			"previous_end":"2026-10-02T00:00:00Z","trends":[
			{"metric":"cost_usd","current":2,"previous":0.254500001,"change":1.745499999,"change_pct":685.85},
			{"metric":"commits","current":1,"previous":0,"change":1,"change_pct":null}]}`},
		{"trends, default window ends now", "/api/analytics/trends?metric=sessions",
			`{"tz":"UTC","start":"2026-09-26T12:00:00Z","end":"2026-10-03T12:00:00Z","previous_start":"2026-09-19T12:00:00Z",
			"previous_end":"2026-09-26T12:00:00Z","trends":[{"metric":"sessions","current":2,"previous":0,"change":2,"change_pct":null}]}`},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		srv, _ := richServer(t, driver)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				code, ctype, body := do(t, srv, http.MethodGet, tt.target, "")
				assert.Equal(t, http.StatusOK, code, body)
				assert.Equal(t, "application/json", ctype)
				assert.JSONEq(t, tt.want, body)
			})
		}
	})
}

func TestSessionDetailSubagentIDAndNotFound(t *testing.T) {
	srv, _ := richServer(t, "sqlite")
	for _, target := range []string{"/api/analytics/sessions/a/agent-1", "/api/analytics/sessions/a%2Fagent-1"} {
		code, _, body := do(t, srv, http.MethodGet, target, "")
		assert.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"id":"a/agent-1"`)
	}
	code, _, body := do(t, srv, http.MethodGet, "/api/analytics/sessions/nope", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.JSONEq(t, `{"error":"not found: /api/analytics/sessions/nope"}`, body)
}

func TestMetricsCatalogue(t *testing.T) {
	srv, _ := richServer(t, "sqlite")
	code, _, body := do(t, srv, http.MethodGet, "/api/analytics/metrics", "")
	require.Equal(t, http.StatusOK, code, body)
	var got struct {
		Metrics []struct {
			ID, Unit   string
			Dimensions []string
			Total      float64
		}
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Len(t, got.Metrics, len(store.Metrics()))
	byID := map[string]float64{}
	for _, m := range got.Metrics {
		byID[m.ID] = m.Total
		assert.Equal(t, store.Dimensions(m.ID), m.Dimensions)
		if m.ID == store.MetricCostUSD {
			assert.Equal(t, "usd", m.Unit)
		}
	}
	assert.InDelta(t, 2.254500001, byID["cost_usd"], 1e-12)
	assert.Equal(t, 2.0, byID["sessions"])
}

// TestPrometheusExport parses the export with the Prometheus text parser
// and checks it against the persisted totals.
func TestPrometheusExport(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		srv, _ := richServer(t, driver)
		code, ctype, body := do(t, srv, http.MethodGet, PathPrometheus, "")
		require.Equal(t, http.StatusOK, code, body)
		assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", ctype)
		p := expfmt.NewTextParser(model.LegacyValidation)
		fams, err := p.TextToMetricFamilies(strings.NewReader(body))
		require.NoError(t, err, body)
		value := func(name string, labels map[string]string) float64 {
			t.Helper()
			f := fams[name]
			require.NotNil(t, f, name)
			for _, m := range f.Metric {
				got := map[string]string{}
				for _, l := range m.Label {
					got[l.GetName()] = l.GetValue()
				}
				if assert.ObjectsAreEqual(labels, got) {
					return m.GetCounter().GetValue()
				}
			}
			t.Fatalf("%s%v not found", name, labels)
			return 0
		}
		assert.Equal(t, 1100.0, value("ccdash_tokens_total", map[string]string{"model": "claude-opus-4-6", "type": "input"}))
		assert.Equal(t, 700.0, value("ccdash_tokens_total", map[string]string{"model": "claude-sonnet-4-5", "type": "cache_read"}))
		assert.InDelta(t, 2.25, value("ccdash_cost_usd_total", map[string]string{"model": "claude-opus-4-6"}), 1e-12)
		assert.Equal(t, 1.0, value("ccdash_tool_errors_total", map[string]string{"tool": "Bash"}))
		assert.Equal(t, 2.0, value("ccdash_sessions_total", map[string]string{"project": "/p"}))
		assert.Equal(t, 1.0, value("ccdash_pull_requests_total", map[string]string{"project": "/p"}))
		assert.Equal(t, 1.0, value("ccdash_skill_activations_total", map[string]string{"skill": "pdf"}))
		assert.Len(t, fams, 8)
	})
}

func TestPrometheusLabelEscaping(t *testing.T) {
	assert.Equal(t, `a\\b\"c\nd`, escapeLabel("a\\b\"c\nd"))
	assert.Equal(t, "x\uFFFD", escapeLabel("x\xff"))
}

func TestAlertsAPI(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		srv, s := richServer(t, driver)
		rule := `{"id":"cost-daily","name":"Daily cost","metric":"cost_usd","operator":">","threshold":1,"period":"daily"}`
		code, _, body := do(t, srv, http.MethodPost, PathAlerts, rule)
		require.Equal(t, http.StatusCreated, code, body)
		created := `{"id":"cost-daily","name":"Daily cost","metric":"cost_usd","operator":">","threshold":1,"period":"daily",
			"tz":"UTC","filters":{},"enabled":true,"created_at":"2026-10-03T12:00:00Z","updated_at":"2026-10-03T12:00:00Z"}`
		assert.JSONEq(t, created, body)
		code, _, body = do(t, srv, http.MethodPost, PathAlerts, rule)
		assert.Equal(t, http.StatusConflict, code)
		assert.JSONEq(t, `{"error":"id: alert \"cost-daily\" already exists"}`, body)

		code, _, body = do(t, srv, http.MethodGet, PathAlerts, "")
		require.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"alerts":[`+created+`]}`, body)

		code, _, body = do(t, srv, http.MethodPatch, PathAlerts+"/cost-daily", `{"threshold":1.5,"filters":{"project":["/p"]}}`)
		require.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"threshold":1.5`)
		assert.Contains(t, body, `"filters":{"project":["/p"]}`)

		// Evaluate: Oct 2 cost $2 > $1.5 fires; Oct 3 (open, $0) does not resolve yet.
		n, err := (&alerts.Evaluator{Store: s}).Evaluate(context.Background(), fixedNow)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		code, _, body = do(t, srv, http.MethodGet, PathAlertEvent+"?alert_id=cost-daily&state=firing", "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"events":[{"alert_id":"cost-daily","state":"firing","bucket":"2026-10-02",
			"bucket_start":"2026-10-02T00:00:00Z","value":2,"threshold":1.5,"at":"2026-10-03T12:00:00Z"}]}`, body)

		code, _, body = do(t, srv, http.MethodGet, PathAlertEvent+"?offset=1", "")
		assert.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"events":[]}`, body)
		code, _, body = do(t, srv, http.MethodGet, PathAlertEvent+"?limit=1&start=2026-10-02&end=2026-10-02", "")
		assert.Equal(t, http.StatusOK, code, body)
		assert.Contains(t, body, `"bucket":"2026-10-02"`)

		code, _, _ = do(t, srv, http.MethodDelete, PathAlerts+"/cost-daily", "")
		assert.Equal(t, http.StatusNoContent, code)
		code, _, body = do(t, srv, http.MethodDelete, PathAlerts+"/cost-daily", "")
		assert.Equal(t, http.StatusNotFound, code, body)
		code, _, body = do(t, srv, http.MethodGet, PathAlertEvent, "")
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"events":[]}`, body, "events go with their rule")

		// A generated id.
		code, _, body = do(t, srv, http.MethodPost, PathAlerts, `{"name":"n","metric":"sessions","operator":"<","threshold":1}`)
		require.Equal(t, http.StatusCreated, code, body)
		assert.Contains(t, body, `"id":"alert-`)
	})
}

func TestAnomaliesEndpoint(t *testing.T) {
	srv, _ := richServer(t, "sqlite")
	code, _, body := do(t, srv, http.MethodGet, PathAnomalies+"?at=2026-10-02T12:00:00Z", "")
	require.Equal(t, http.StatusOK, code, body)
	var got struct {
		At    string
		Cards []alerts.Card
	}
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	assert.Equal(t, "2026-10-02T12:00:00Z", got.At)
	require.Len(t, got.Cards, 2)
	assert.Equal(t, "cost_spike", got.Cards[0].ID)
	assert.Equal(t, 2.0, got.Cards[0].Current)
	assert.Equal(t, "velocity_drop", got.Cards[1].ID)
}

func TestBadParams(t *testing.T) {
	tests := []struct {
		method, target, body string
		code                 int
		param                string
	}{
		{"GET", "/api/analytics/series?metric=cost_usd&grup_by=model", "", 400, "grup_by"},
		{"GET", "/api/analytics/series?metric=cost_usd&limit=0", "", 400, "limit"},
		{"GET", "/api/analytics/series?metric=cost_usd&limit=x", "", 400, "limit"},
		{"GET", "/api/analytics/series?metric=cost_usd&offset=-1", "", 400, "offset"},
		{"GET", "/api/analytics/series?metric=cost_usd&project=", "", 400, "project"},
		{"GET", "/api/analytics/series?metric=cost_usd&group_by=skill", "", 400, "group_by"},
		{"GET", "/api/analytics/series?metric=cost_usd&period=point&model_family=opus&model_family=,", "", 200, ""},
		{"GET", "/api/analytics/overview?agent=", "", 400, "agent"},
		{"GET", "/api/analytics/overview?metric=cost_usd", "", 400, "metric"},
		{"GET", "/api/analytics/breakdown", "", 400, "dimension"},
		{"GET", "/api/analytics/breakdown?dimension=colour", "", 400, "dimension"},
		{"GET", "/api/analytics/breakdown?dimension=tool&metric=cost_usd", "", 400, "dimension"},
		{"GET", "/api/analytics/breakdown?dimension=model&metric=nope", "", 400, "metric"},
		{"GET", "/api/analytics/breakdown?dimension=model&tz=Mars/Base", "", 400, "tz"},
		{"GET", "/api/analytics/breakdown?dimension=model&limit=100000", "", 400, "limit"},
		{"GET", "/api/analytics/sessions/a?x=1", "", 400, "x"},
		{"GET", "/api/analytics/metrics?start=never", "", 400, "start"},
		{"GET", "/api/analytics/trends?metric=nope", "", 400, "metric"},
		{"GET", "/api/analytics/trends?start=2027-01-01", "", 400, "start"},
		{"GET", "/api/analytics/export/prometheus?model=x", "", 400, "model"},
		{"GET", "/api/analytics/anomalies?at=later", "", 400, "at"},
		{"GET", "/api/analytics/anomalies?tz=Local", "", 400, "tz"},
		{"GET", "/api/analytics/alerts/events?state=pending", "", 400, "state"},
		{"GET", "/api/analytics/alerts/events?limit=-2", "", 400, "limit"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"cost_usd","operator":">","threshold":1,"colour":1}`, 400, "body"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"cost_usd","operator":">","threshold":"1"}`, 400, "threshold"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"dollars","operator":">","threshold":1}`, 400, "metric"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"cost_usd","operator":"!=","threshold":1}`, 400, "operator"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"cost_usd","operator":">","period":"monthly"}`, 400, "period"},
		{"POST", "/api/analytics/alerts", `{"name":"x","metric":"cost_usd","operator":">","filters":{"nope":["a"]}}`, 400, "filters"},
		{"POST", "/api/analytics/alerts", `{"id":"","name":"x","metric":"cost_usd","operator":">"}`, 400, "id"},
		{"POST", "/api/analytics/alerts", `{"name":"x"} {}`, 400, "body"},
		{"POST", "/api/analytics/alerts", `[`, 400, "body"},
		{"POST", "/api/analytics/alerts?x=1", `{}`, 400, "x"},
		{"PATCH", "/api/analytics/alerts/nope", `{"threshold":2}`, 404, "not found"},
		{"PATCH", "/api/analytics/alerts", `{}`, 405, "method"},
		{"PUT", "/api/analytics/alerts/x", `{}`, 405, "method"},
		{"DELETE", "/api/analytics/alerts/events", ``, 405, "method"},
		{"DELETE", "/api/analytics/alerts/nope", ``, 404, "not found"},
		{"GET", "/api/analytics/sessions/", "", 404, "not found"},
	}
	srv, _ := richServer(t, "sqlite")
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" "+tt.body, func(t *testing.T) {
			code, ctype, body := do(t, srv, tt.method, tt.target, tt.body)
			assert.Equal(t, tt.code, code, body)
			assert.Equal(t, "application/json", ctype)
			if tt.code == 200 {
				return
			}
			var e struct{ Error string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			assert.True(t, strings.HasPrefix(e.Error, tt.param), "error %q should start with %q", e.Error, tt.param)
		})
	}
}

// TestAllEndpointsDialectsAgree compares raw bodies of every GET endpoint
// with a spread of parameters on SQLite and PostgreSQL.
func TestAllEndpointsDialectsAgree(t *testing.T) {
	servers := map[string]*httptest.Server{}
	for _, d := range storetest.Drivers {
		servers[d], _ = richServer(t, d) // skips without PostgreSQL
	}
	rule := `{"id":"r1","name":"r","metric":"tokens_total","operator":">=","threshold":100,"period":"hourly","tz":"Asia/Kolkata"}`
	for _, srv := range servers {
		code, _, body := do(t, srv, http.MethodPost, PathAlerts, rule)
		require.Equal(t, http.StatusCreated, code, body)
	}
	targets := []string{"/api/analytics/status", "/api/analytics/metrics", "/api/analytics/metrics?tz=Asia/Kolkata&start=2026-10-02",
		"/api/analytics/trends", "/api/analytics/trends?start=2026-10-01&end=2026-10-02&tz=America/New_York",
		"/api/analytics/export/prometheus", "/api/analytics/anomalies?at=2026-10-02T23:00:00Z&tz=Asia/Kolkata",
		"/api/analytics/sessions/a", "/api/analytics/sessions/b", "/api/analytics/sessions/a/agent-1",
		"/api/analytics/alerts", "/api/analytics/alerts/events", "/api/analytics/openapi.json"}
	for _, dim := range store.AllDimensions() {
		for _, m := range store.Metrics() {
			if slices.Contains(store.Dimensions(m), dim) {
				targets = append(targets, "/api/analytics/breakdown?dimension="+dim+"&metric="+m,
					"/api/analytics/series?period=point&metric="+m+"&group_by="+dim)
			}
		}
		targets = append(targets, "/api/analytics/overview?"+dim+"=x", "/api/analytics/series?metric=sessions&"+dim+"=/p,claude-opus-4-6,Bash,F1,T1,main,opus,pdf,Explore")
	}
	for _, target := range targets {
		_, _, a := do(t, servers["sqlite"], http.MethodGet, target, "")
		_, _, b := do(t, servers["postgres"], http.MethodGet, target, "")
		assert.Equal(t, a, b, target)
	}
}

// TestOpenAPIMatchesRoutes: every route of the handler is documented with
// its method and query parameters, and the document has nothing else.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Parameters []struct {
				Name, In string
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(openAPIDoc))
	require.NoError(t, dec.Decode(&doc))
	assert.True(t, strings.HasPrefix(doc.OpenAPI, "3."))

	h := NewHandler(nil).(*handler)
	var inCode, inDoc []string
	for _, rt := range h.table {
		key := strings.ToLower(rt.method) + " " + rt.pattern
		inCode = append(inCode, key)
		op, ok := doc.Paths[rt.pattern][strings.ToLower(rt.method)]
		if !ok {
			continue // reported by the comparison below
		}
		var query, path []string
		for _, p := range op.Parameters {
			if p.In == "path" {
				path = append(path, p.Name)
			} else {
				query = append(query, p.Name)
			}
		}
		if strings.Contains(rt.pattern, "{id}") {
			assert.Equal(t, []string{"id"}, path, key)
		}
		if rt.params != nil {
			want := append([]string(nil), rt.params...)
			sort.Strings(want)
			sort.Strings(query)
			assert.Equal(t, want, query, "query parameters of %s", key)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			inDoc = append(inDoc, method+" "+path)
		}
	}
	sort.Strings(inCode)
	sort.Strings(inDoc)
	assert.Equal(t, inCode, inDoc)

	srv, _ := richServer(t, "sqlite")
	code, ctype, body := do(t, srv, http.MethodGet, PathOpenAPI, "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "application/json", ctype)
	assert.Equal(t, string(openAPIDoc), body)
}
