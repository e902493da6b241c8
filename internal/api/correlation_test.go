package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

func correlationServer(t *testing.T, driver string) *httptest.Server {
	t.Helper()
	s, err := store.Open(context.Background(), store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	at := time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	link := func(ft, fid, tt, tid string, conf float64) facts.Fact {
		return facts.Fact{Key: "link:" + ft + ":" + fid + ">" + tt + ":" + tid, Event: facts.EventLink, Time: at,
			LinkFromType: ft, LinkFromID: fid, LinkToType: tt, LinkToID: tid, Confidence: conf,
			LinkSource: facts.LinkExplicit, Ambiguity: 1}
	}
	require.NoError(t, s.Write(context.Background(), []facts.Fact{
		{Key: "req:m1", Event: facts.EventAPIRequest, Time: at, SessionID: "s1", RootSessionID: "s1",
			SessionType: facts.SessionMain, Project: "/p", Model: "claude-opus-4-6", MessageID: "m1",
			Usage: facts.Usage{Input: 10}, CostNanos: 1_500_000_000},
		link(facts.EntityFeature, "analytics", facts.EntityTask, "AN-001", 1),
		link(facts.EntityTask, "AN-001", facts.EntitySession, "s1", 0.9),
		link(facts.EntityFeature, "other", facts.EntityTask, "OT-1", 1),
	}))
	srv := httptest.NewServer(NewHandler(s))
	t.Cleanup(srv.Close)
	return srv
}

func getCorrelation(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v), string(body))
	return resp.StatusCode, v
}

func TestCorrelationEndpoint(t *testing.T) {
	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			srv := correlationServer(t, driver)
			code, v := getCorrelation(t, srv.URL+PathCorrelation+"?feature=analytics&start=2026-10-01&end=2026-10-01")
			require.Equal(t, http.StatusOK, code, v)
			assert.EqualValues(t, 1, v["total"])
			assert.EqualValues(t, 0, v["limit"], "no limit: every row")
			assert.Equal(t, "2026-10-01T00:00:00Z", v["start"])
			rows := v["rows"].([]any)
			require.Len(t, rows, 1)
			row := rows[0].(map[string]any)
			task := row["task"].(map[string]any)
			assert.Equal(t, "AN-001", task["id"])
			assert.InDelta(t, 1.5, task["cost_usd"], 1e-9)
			session := row["session"].(map[string]any)
			assert.InDelta(t, 0.9, session["link"].(map[string]any)["confidence"], 1e-9)
			assert.Nil(t, row["commit"])

			code, v = getCorrelation(t, srv.URL+PathCorrelation+"?limit=1&offset=1")
			require.Equal(t, http.StatusOK, code, v)
			assert.EqualValues(t, 2, v["total"])
			require.Len(t, v["rows"], 1)
			assert.Equal(t, "other", v["rows"].([]any)[0].(map[string]any)["feature"].(map[string]any)["id"])
		})
	}
}

func TestCorrelationEndpointBadParams(t *testing.T) {
	srv := correlationServer(t, "sqlite")
	for _, q := range []string{
		"limit=abc", "limit=0", "limit=20000", "offset=-1", "offset=x", "limit=1&limit=2",
		"feature=a&feature=b", "start=yesterday", "start=2026-10-02&end=2026-10-01", "tz=Mars/Base",
	} {
		code, v := getCorrelation(t, srv.URL+PathCorrelation+"?"+q)
		assert.Equal(t, http.StatusBadRequest, code, q)
		assert.NotEmpty(t, v["error"], q)
	}
}

func TestCorrelationEndpointUnknownParam(t *testing.T) {
	srv := correlationServer(t, "sqlite")
	code, v := getCorrelation(t, srv.URL+PathCorrelation+"?model=opus")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, v["error"], "model")
}
