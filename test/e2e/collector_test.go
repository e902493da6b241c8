//go:build e2e

// Package e2e runs the built otelcol-ccdash binary (bin/otelcol-ccdash, made by
// `make build`) against transcript trees and checks its API answers against
// ccusage, against itself after restarts and kills, and across SQLite and
// PostgreSQL. Run with `make test-e2e`.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// collector is one running otelcol-ccdash process.
type collector struct {
	*processtest.Process
	t       *testing.T
	api     string // base URL of the analytics API
	promURL string
}

// collectorEnv describes a run: which history, where data goes, which DB.
type collectorEnv struct {
	ClaudeConfigDir string
	DataDir         string
	Driver          string // sqlite (default) or postgres
	DSN             string
}

// startCollector starts the binary with the default config and the given
// environment, and waits until the API answers.
func startCollector(t *testing.T, env collectorEnv) *collector {
	t.Helper()
	root := processtest.RepoRoot(t)
	ports := processtest.FreePorts(t, 5)
	apiPort, promPort, telPort := ports[0], ports[1], ports[2]
	cmd := exec.Command(processtest.Binary(t), "--config", filepath.Join(root, "cmd", "otelcol-ccdash", "config.yaml"))
	cmd.Env = append(os.Environ(),
		"CLAUDE_CONFIG_DIR="+env.ClaudeConfigDir,
		"CCDASH_DATA_DIR="+env.DataDir,
		fmt.Sprintf("CCDASH_API_ENDPOINT=127.0.0.1:%d", apiPort),
		fmt.Sprintf("CCDASH_PROM_PORT=%d", promPort),
		fmt.Sprintf("CCDASH_TELEMETRY_PORT=%d", telPort),
		// The native-telemetry otlp receiver: private ports, so test packages running in parallel never collide.
		fmt.Sprintf("CCDASH_OTLP_GRPC_ENDPOINT=127.0.0.1:%d", ports[3]),
		fmt.Sprintf("CCDASH_OTLP_HTTP_ENDPOINT=127.0.0.1:%d", ports[4]),
	)
	if env.Driver != "" {
		cmd.Env = append(cmd.Env, "CCDASH_DB_DRIVER="+env.Driver)
	}
	if env.DSN != "" {
		cmd.Env = append(cmd.Env, "CCDASH_DB_DSN="+env.DSN)
	}
	c := &collector{
		t:       t,
		api:     fmt.Sprintf("http://127.0.0.1:%d", apiPort),
		promURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", promPort),
	}
	c.Process = processtest.Start(t, "otelcol-ccdash", cmd)
	c.WaitHTTP(t, c.api+"/api/analytics/status", 60*time.Second)
	return c
}

func (c *collector) status() store.Status {
	var s store.Status
	c.getJSON("/api/analytics/status", &s)
	return s
}

// waitBackfill waits until the collector reports backfill_complete.
func (c *collector) waitBackfill(timeout time.Duration) store.Status {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if s := c.status(); s.BackfillComplete {
			return s
		}
		select {
		case <-c.Exited():
			c.t.Fatalf("collector exited during backfill:\n%s", c.Log())
		case <-time.After(100 * time.Millisecond):
		}
	}
	c.t.Fatalf("backfill not complete after %s; status %+v\n%s", timeout, c.status(), c.Log())
	return store.Status{}
}

func (c *collector) getRaw(path string) (int, []byte) {
	c.t.Helper()
	resp, err := http.Get(c.api + path)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, b
}

func (c *collector) getJSON(path string, v any) {
	c.t.Helper()
	code, b := c.getRaw(path)
	require.Equal(c.t, http.StatusOK, code, "GET %s: %s", path, b)
	require.NoError(c.t, json.Unmarshal(b, v), "GET %s: %s", path, b)
}

type seriesResponse struct {
	Metric string `json:"metric"`
	Series []struct {
		Group  map[string]string `json:"group"`
		Points []struct {
			Bucket string  `json:"bucket"`
			Start  string  `json:"start"`
			Value  float64 `json:"value"`
		} `json:"points"`
	} `json:"series"`
}

// byDayModel fetches a daily series grouped by model: day -> model -> value.
func (c *collector) byDayModel(metric, tz string) map[string]map[string]float64 {
	var r seriesResponse
	q := url.Values{"metric": {metric}, "period": {"daily"}, "group_by": {"model"}, "tz": {tz}}
	c.getJSON("/api/analytics/series?"+q.Encode(), &r)
	out := map[string]map[string]float64{}
	for _, s := range r.Series {
		for _, p := range s.Points {
			if out[p.Bucket] == nil {
				out[p.Bucket] = map[string]float64{}
			}
			out[p.Bucket][s.Group["model"]] += p.Value
		}
	}
	return out
}

// snapshot is every answer we compare across runs: raw JSON bodies.
func (c *collector) snapshot(tz string) map[string]string {
	out := map[string]string{}
	for _, m := range allMetrics {
		for _, p := range []string{"daily", "hourly", "weekly"} {
			path := fmt.Sprintf("/api/analytics/series?metric=%s&period=%s&group_by=model&tz=%s", m, p, url.QueryEscape(tz))
			_, b := c.getRaw(path)
			out[path] = string(b)
		}
	}
	path := "/api/analytics/overview?tz=" + url.QueryEscape(tz)
	_, b := c.getRaw(path)
	out[path] = string(b)
	// Every other derived answer: breakdowns, links, insights, hosts, the
	// legacy exposition. Each must be 200 and must not change either.
	paths := []string{
		"/api/analytics/series?metric=tokens_total&period=point",
		"/api/analytics/correlation",
		"/api/analytics/topology",
		"/api/analytics/tools/retries",
		"/api/analytics/loops",
		"/api/analytics/commands",
		"/api/analytics/cycle-time",
		"/api/analytics/hosts",
		"/api/analytics/metrics",
		"/api/analytics/export/prometheus",
	}
	for _, d := range []string{"model", "model_family", "agent", "feature", "task", "project", "session_type", "host"} {
		paths = append(paths, "/api/analytics/breakdown?metric=cost_usd&dimension="+d)
	}
	paths = append(paths, "/api/analytics/breakdown?metric=tool_calls&dimension=tool",
		"/api/analytics/breakdown?metric=skill_activations&dimension=skill")
	for _, e := range []string{"feature", "task", "commit", "pr"} {
		paths = append(paths, "/api/analytics/attribution?entity="+e)
	}
	for _, p := range paths {
		code, b := c.getRaw(p)
		require.Equal(c.t, http.StatusOK, code, "GET %s: %s", p, b)
		out[p] = string(b)
	}
	return out
}

var allMetrics = []string{
	"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read", "tokens_total",
	"cost_usd", "sessions", "tool_calls", "tool_errors", "skill_activations", "commits", "pull_requests",
}

// layoutTree copies (or links) files into <dir>/projects/<slug>/... and
// returns the config dir.
func layoutTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, src := range files {
		dst := filepath.Join(dir, "projects", rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, b, 0o644))
	}
	return dir
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func mustContain(t *testing.T, haystack, needle string) {
	t.Helper()
	if !strings.Contains(haystack, needle) {
		t.Fatalf("expected %q in:\n%s", needle, haystack)
	}
}
