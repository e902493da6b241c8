//go:build e2e

// Package gateway runs the built otelcol-ccdash binary (bin/otelcol-ccdash,
// made by `make build`) in the team topology: agents (agent.yaml) forward
// over OTLP to a gateway (gateway.yaml) on PostgreSQL. It checks that the
// gateway's answers equal one collector over all histories, and that the
// OTLP export overlay (otlp-export.yaml) sends every signal. Run with
// `make test-e2e`.
package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

func configPath(t *testing.T, name string) string {
	return filepath.Join(processtest.RepoRoot(t), "cmd", "otelcol-ccdash", name)
}

// proc is one running otelcol-ccdash process.
type proc struct {
	*processtest.Process
	t   *testing.T
	api string // base URL of the analytics API, "" for agents
}

// start runs the binary with the given --config files and environment.
func start(t *testing.T, name string, configs []string, env map[string]string) *proc {
	t.Helper()
	var args []string
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	cmd := exec.Command(processtest.Binary(t), args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, Process: processtest.Start(t, name, cmd)}
	if ep, ok := env["CCDASH_API_ENDPOINT"]; ok {
		p.api = "http://" + ep
		p.WaitHTTP(t, p.api+"/api/analytics/status", 60*time.Second)
	}
	return p
}

func (p *proc) alive() {
	p.t.Helper()
	if !p.Running() {
		p.t.Fatalf("%s exited:\n%s", p.Name, p.Log())
	}
}

func (p *proc) get(path string) []byte {
	p.t.Helper()
	resp, err := http.Get(p.api + path)
	require.NoError(p.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(p.t, err)
	require.Equal(p.t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, b)
	return b
}

type status struct {
	BackfillComplete bool  `json:"backfill_complete"`
	FilesTotal       int64 `json:"files_total"`
	FilesCaughtUp    int64 `json:"files_caught_up"`
	EventsStored     int64 `json:"events_stored"`
}

func (p *proc) status() status {
	var s status
	require.NoError(p.t, json.Unmarshal(p.get("/api/analytics/status"), &s))
	return s
}

// waitBackfill waits for a single collector to finish its backfill.
func (p *proc) waitBackfill(timeout time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		p.alive()
		if s := p.status(); s.BackfillComplete && s.FilesTotal == s.FilesCaughtUp {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s: backfill not complete after %s: %+v", p.Name, timeout, p.status())
}

type overview struct {
	KPIs map[string]json.RawMessage `json:"kpis"`
}

// kpis returns the overview's KPIs (raw JSON values, compared exactly).
func (p *proc) kpis() map[string]string {
	var ov overview
	require.NoError(p.t, json.Unmarshal(p.get("/api/analytics/overview?tz=UTC"), &ov))
	out := map[string]string{}
	for k, v := range ov.KPIs {
		out[k] = string(v)
	}
	return out
}

// answers is every API answer compared across topologies: raw bodies.
func (p *proc) answers() map[string]string {
	out := map[string]string{"overview": string(p.get("/api/analytics/overview?tz=UTC"))}
	for _, m := range []string{"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read",
		"tokens_total", "cost_usd", "sessions", "tool_calls", "tool_errors", "commits", "pull_requests"} {
		for _, period := range []string{"hourly", "daily"} {
			for _, groupBy := range []string{"", "project"} {
				path := fmt.Sprintf("/api/analytics/series?metric=%s&period=%s&group_by=%s&tz=UTC", m, period, groupBy)
				out[path] = string(p.get(path))
			}
		}
		if strings.HasPrefix(m, "tokens_") || m == "cost_usd" {
			path := fmt.Sprintf("/api/analytics/series?metric=%s&period=daily&group_by=model&tz=UTC", m)
			out[path] = string(p.get(path))
		}
	}
	return out
}
