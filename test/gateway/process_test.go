//go:build e2e

// Package gateway runs the built otelcol-ccdash binary (bin/otelcol-ccdash,
// made by `make build`) in the team topology: agents (agent.yaml) forward
// over OTLP to a gateway (gateway.yaml) on PostgreSQL. It checks that the
// gateway's answers equal one collector over all histories, and that the
// OTLP export overlay (otlp-export.yaml) sends every signal. Run with
// `make test-e2e`.
package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	return root
}

func configPath(t *testing.T, name string) string {
	return filepath.Join(repoRoot(t), "cmd", "otelcol-ccdash", name)
}

// freePorts returns n distinct free ports.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// syncBuffer is a log buffer written by the process and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is one running otelcol-ccdash process.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	log    *syncBuffer
	exited chan struct{}
	api    string // base URL of the analytics API, "" for agents
}

// start runs the binary with the given --config files and environment.
func start(t *testing.T, name string, configs []string, env map[string]string) *proc {
	t.Helper()
	bin := filepath.Join(repoRoot(t), "bin", "otelcol-ccdash")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not found: run `make build` (make test-e2e does)", bin)
	}
	var args []string
	for _, c := range configs {
		args = append(args, "--config", c)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &proc{t: t, name: name, cmd: cmd, log: &syncBuffer{}, exited: make(chan struct{})}
	if ep, ok := env["CCDASH_API_ENDPOINT"]; ok {
		p.api = "http://" + ep
	}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(p.stop)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- %s log (tail) ---\n%s", name, tail(p.log.String(), 30))
		}
	})
	if p.api != "" {
		p.waitAPI()
	}
	return p
}

func (p *proc) waitAPI() {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			p.t.Fatalf("%s exited during start-up:\n%s", p.name, p.log.String())
		default:
		}
		if resp, err := http.Get(p.api + "/api/analytics/status"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s: API did not come up:\n%s", p.name, p.log.String())
}

func (p *proc) alive() {
	p.t.Helper()
	select {
	case <-p.exited:
		p.t.Fatalf("%s exited:\n%s", p.name, p.log.String())
	default:
	}
}

func (p *proc) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
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
	p.t.Fatalf("%s: backfill not complete after %s: %+v", p.name, timeout, p.status())
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

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
