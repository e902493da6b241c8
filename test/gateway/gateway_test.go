//go:build e2e

package gateway

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// copyProjects copies the named project folders of testdata/claude into a
// fresh Claude config dir: one machine's history.
func copyProjects(t *testing.T, projects ...string) string {
	t.Helper()
	src := filepath.Join(processtest.RepoRoot(t), "testdata", "claude", "projects")
	dir := t.TempDir()
	for _, p := range projects {
		root := filepath.Join(src, p)
		err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(src, path)
			if err != nil {
				return err
			}
			dst := filepath.Join(dir, "projects", rel)
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			return os.WriteFile(dst, b, 0o644)
		})
		require.NoError(t, err)
	}
	return dir
}

// single runs one collector with the default config (SQLite) over the
// given Claude config dirs.
func single(t *testing.T, name string, claudeDirs ...string) *proc {
	t.Helper()
	ports := processtest.FreePorts(t, 5)
	p := start(t, name, []string{configPath(t, "config.yaml")}, map[string]string{
		"CLAUDE_CONFIG_DIR":         strings.Join(claudeDirs, ","),
		"CCDASH_DATA_DIR":           t.TempDir(),
		"CCDASH_API_ENDPOINT":       fmt.Sprintf("127.0.0.1:%d", ports[0]),
		"CCDASH_PROM_PORT":          strconv.Itoa(ports[1]),
		"CCDASH_TELEMETRY_PORT":     strconv.Itoa(ports[2]),
		"CCDASH_OTLP_GRPC_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[3]),
		"CCDASH_OTLP_HTTP_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[4]),
	})
	p.waitBackfill(time.Minute)
	return p
}

func kpiFloat(t *testing.T, kpis map[string]string, k string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(kpis[k], 64)
	require.NoError(t, err, "kpi %s = %q", k, kpis[k])
	return v
}

// TestAgentsToGateway: two machines with different histories each run an
// agent; one gateway on PostgreSQL must answer exactly like one collector
// over both histories, and tell the machines apart by host.name.
func TestAgentsToGateway(t *testing.T) {
	dsn := storetest.DSN(t, "postgres") // skips without CCDASH_TEST_POSTGRES_DSN
	treeA := copyProjects(t, "-home-dev-shop", "-home-dev-blog")
	treeB := copyProjects(t, "-home-dev-infra")

	// References: each machine alone, and one collector over both.
	onlyA := single(t, "single-a", treeA).kpis()
	onlyB := single(t, "single-b", treeB).kpis()
	both := single(t, "single-both", treeA, treeB)
	want := both.answers()
	wantKPIs := both.kpis()
	both.Stop()

	gp := processtest.FreePorts(t, 5)
	gatewayOTLP := fmt.Sprintf("127.0.0.1:%d", gp[0])
	gatewayProm := fmt.Sprintf("127.0.0.1:%d", gp[3])
	gateway := start(t, "gateway", []string{configPath(t, "gateway.yaml")}, map[string]string{
		"CCDASH_DB_DSN":             dsn,
		"CCDASH_DATA_DIR":           t.TempDir(),
		"CCDASH_OTLP_GRPC_ENDPOINT": gatewayOTLP,
		"CCDASH_OTLP_HTTP_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", gp[1]),
		"CCDASH_API_ENDPOINT":       fmt.Sprintf("127.0.0.1:%d", gp[2]),
		"CCDASH_PROM_ENDPOINT":      gatewayProm,
		"CCDASH_TELEMETRY_PORT":     strconv.Itoa(gp[4]),
	})
	agentNativeHTTP := map[string]string{}
	agent := func(host, tree string) *proc {
		ap := processtest.FreePorts(t, 3)
		agentNativeHTTP[host] = fmt.Sprintf("127.0.0.1:%d", ap[1])
		return start(t, host, []string{configPath(t, "agent.yaml")}, map[string]string{
			"CLAUDE_CONFIG_DIR":         tree,
			"CCDASH_DATA_DIR":           t.TempDir(),
			"CCDASH_GATEWAY_ENDPOINT":   gatewayOTLP,
			"CCDASH_GATEWAY_INSECURE":   "true",
			"CCDASH_HOST_NAME":          host,
			"CCDASH_OTLP_GRPC_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ap[0]),
			"CCDASH_OTLP_HTTP_ENDPOINT": agentNativeHTTP[host],
			"CCDASH_TELEMETRY_PORT":     strconv.Itoa(ap[2]),
		})
	}
	agentA := agent("agent-a", treeA)
	agentB := agent("agent-b", treeB)

	// Agents send batches concurrently from their queues; wait until the
	// gateway's answers settle on the reference (or time out and diff).
	var got map[string]string
	deadline := time.Now().Add(90 * time.Second)
	for {
		gateway.alive()
		agentA.alive()
		agentB.alive()
		got = gateway.answers()
		if mapsEqual(got, want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for k, w := range want {
		assert.JSONEq(t, w, got[k], "gateway vs one collector: %s", k)
	}

	// The sum of both histories.
	for _, k := range []string{"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read",
		"tokens_total", "cost_usd", "commits", "pull_requests", "tool_calls", "tool_errors"} {
		assert.InDelta(t, kpiFloat(t, onlyA, k)+kpiFloat(t, onlyB, k), kpiFloat(t, wantKPIs, k), 1e-9, k)
	}
	require.NotZero(t, kpiFloat(t, onlyA, "tokens_total"))
	require.NotZero(t, kpiFloat(t, onlyB, "tokens_total"))

	// host.name tells the machines apart.
	s, err := store.Open(context.Background(), store.Config{Driver: "postgres", DSN: dsn})
	require.NoError(t, err)
	defer s.Close()
	hosts, err := s.Hosts(context.Background())
	require.NoError(t, err)
	byHost := map[string]store.HostSummary{}
	for _, h := range hosts {
		byHost[h.Host] = h
	}
	require.Len(t, byHost, 2, "%+v", hosts)
	assert.EqualValues(t, kpiFloat(t, onlyA, "tokens_total"), byHost["agent-a"].Tokens)
	assert.EqualValues(t, kpiFloat(t, onlyB, "tokens_total"), byHost["agent-b"].Tokens)
	assert.InDelta(t, kpiFloat(t, onlyA, "cost_usd"), byHost["agent-a"].CostUSD, 1e-9)

	// Claude Code's own telemetry on machine A goes to its agent, which
	// forwards it: the gateway stores it, and only the request the
	// transcripts lack (req_NATIVE_ONLY: 1150 tokens) adds to the totals.
	payload, err := os.ReadFile(filepath.Join(processtest.RepoRoot(t), "exporter", "sqlanalyticsexporter", "testdata", "native", "blog-session.json"))
	require.NoError(t, err)
	resp, err := http.Post("http://"+agentNativeHTTP["agent-a"]+"/v1/logs", "application/json", bytes.NewReader(payload))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	wantTotal := kpiFloat(t, wantKPIs, "tokens_total") + 1150
	assert.Eventually(t, func() bool { return kpiFloat(t, gateway.kpis(), "tokens_total") == wantTotal },
		30*time.Second, 200*time.Millisecond, "native telemetry through the agent")
	natives, err := s.NativeEvents(context.Background(), "", 0)
	require.NoError(t, err)
	assert.Len(t, natives, 8)

	// The gateway's Prometheus series carry host.name, so the agents'
	// cumulative series do not overwrite each other.
	assert.Eventually(t, func() bool {
		body := scrape(t, "http://"+gatewayProm+"/metrics")
		return strings.Contains(body, `host_name="agent-a"`) && strings.Contains(body, `host_name="agent-b"`)
	}, 30*time.Second, 250*time.Millisecond)
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}
