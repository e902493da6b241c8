//go:build e2e

package gateway

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

// TestNativeTelemetryCountedOnce sends Claude Code's own telemetry (a
// recorded OTLP/JSON payload written from the documented schema) to the
// default config's otlp receiver, before and after the transcripts of the
// same session are read: the totals count every request once either way.
func TestNativeTelemetryCountedOnce(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join(processtest.RepoRoot(t), "exporter", "sqlanalyticsexporter", "testdata", "native", "blog-session.json"))
	require.NoError(t, err)
	// The payload's only request the transcripts lack (req_NATIVE_ONLY).
	const nativeOnlyTokens = 100 + 50 + 1000

	transcriptsOnly := single(t, "transcripts-only", copyProjects(t, "-home-dev-shop", "-home-dev-blog", "-home-dev-infra"))
	want := kpiFloat(t, transcriptsOnly.kpis(), "tokens_total") + nativeOnlyTokens
	transcriptsOnly.Stop()

	for _, nativeFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("native first %v", nativeFirst), func(t *testing.T) {
			tree := copyProjects(t) // empty history
			if !nativeFirst {
				tree = copyProjects(t, "-home-dev-shop", "-home-dev-blog", "-home-dev-infra")
			}
			ports := processtest.FreePorts(t, 5)
			c := start(t, "native", []string{configPath(t, "config.yaml")}, map[string]string{
				"CLAUDE_CONFIG_DIR":         tree,
				"CCDASH_DATA_DIR":           t.TempDir(),
				"CCDASH_API_ENDPOINT":       fmt.Sprintf("127.0.0.1:%d", ports[0]),
				"CCDASH_PROM_PORT":          strconv.Itoa(ports[1]),
				"CCDASH_TELEMETRY_PORT":     strconv.Itoa(ports[2]),
				"CCDASH_OTLP_GRPC_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[3]),
				"CCDASH_OTLP_HTTP_ENDPOINT": fmt.Sprintf("127.0.0.1:%d", ports[4]),
			})
			c.waitBackfill(time.Minute)
			post := func() {
				// The sql_analytics exporter waits for the commit, so a 200
				// means the events are stored.
				resp, err := http.Post(fmt.Sprintf("http://127.0.0.1:%d/v1/logs", ports[4]), "application/json", bytes.NewReader(payload))
				require.NoError(t, err)
				resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode)
			}
			post()
			if nativeFirst {
				require.Equal(t, float64(nativeOnlyTokens+4+70+2000+6+40+1500+4+60+2100), kpiFloat(t, c.kpis(), "tokens_total"),
					"before any transcript, every native request with a request_id counts")
				// The transcripts appear after the native events; the receiver
				// picks the new files up while tailing.
				full := copyProjects(t, "-home-dev-shop", "-home-dev-blog", "-home-dev-infra")
				require.NoError(t, os.RemoveAll(filepath.Join(tree, "projects")))
				require.NoError(t, os.Rename(filepath.Join(full, "projects"), filepath.Join(tree, "projects")))
			}
			post() // a replay changes nothing
			var got float64
			var st status
			if !assert.Eventually(t, func() bool {
				st = c.status()
				got = kpiFloat(t, c.kpis(), "tokens_total")
				return st.FilesTotal == 6 && st.FilesCaughtUp == 6 && got == want
			}, time.Minute, 200*time.Millisecond) {
				t.Fatalf("tokens_total %v, want %v; status %+v\n%s", got, want, st, c.Log())
			}
			post()
			require.Equal(t, want, kpiFloat(t, c.kpis(), "tokens_total"))
		})
	}
}
