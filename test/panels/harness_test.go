//go:build e2e

package panels

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// collector is bin/otelcol-ccdash running the stack's collector config
// (deploy/observability/collector/config.yaml + local.yaml) with every
// endpoint moved to a free 127.0.0.1 port.
type collector struct {
	*processtest.Process
	api, metrics, telemetry string // host:port
}

func startCollector(t *testing.T, claudeDir, dsn string) *collector {
	t.Helper()
	root := processtest.RepoRoot(t)
	bin := processtest.Binary(t)
	ports := processtest.FreePorts(t, 3)
	c := &collector{
		api:       fmt.Sprintf("127.0.0.1:%d", ports[0]),
		metrics:   fmt.Sprintf("127.0.0.1:%d", ports[1]),
		telemetry: fmt.Sprintf("127.0.0.1:%d", ports[2]),
	}
	conf := filepath.Join(root, "deploy", "observability", "collector")
	cmd := exec.Command(bin,
		"--config", filepath.Join(conf, "config.yaml"),
		"--config", filepath.Join(conf, "local.yaml"))
	cmd.Env = append(os.Environ(),
		"CLAUDE_CONFIG_DIR="+claudeDir,
		"CCDASH_DATA_DIR="+t.TempDir(),
		"CCDASH_DB_DSN="+dsn,
		"CCDASH_API_ENDPOINT="+c.api,
		"CCDASH_PROM_ENDPOINT="+c.metrics,
		"CCDASH_TELEMETRY_HOST=127.0.0.1",
		fmt.Sprintf("CCDASH_TELEMETRY_PORT=%d", ports[2]),
	)
	c.Process = processtest.Start(t, "otelcol-ccdash", cmd)
	c.WaitFor(t, "backfill_complete", 90*time.Second, func() bool {
		var s struct {
			BackfillComplete bool `json:"backfill_complete"`
		}
		return getJSON("http://"+c.api+"/api/analytics/status", &s) == nil && s.BackfillComplete
	})
	return c
}

// prometheus is a real Prometheus (the Debian package's binary) with the
// shipped prometheus.yml, its targets pointed at the collector, a 1s scrape
// interval, and the shipped alert rules.
type prometheus struct {
	*processtest.Process
	url string
}

// Scrape interval of the test Prometheus, and the $__rate_interval Grafana
// derives from it (max(4 × scrape interval, $__interval + scrape interval)).
const (
	testScrapeInterval = "1s"
	testRateInterval   = "4s"
)

func startPrometheus(t *testing.T, c *collector) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not found: apt-get install -y prometheus (.ci/run does)")
	}
	stack := filepath.Join(processtest.RepoRoot(t), "deploy", "observability", "prometheus")
	b, err := os.ReadFile(filepath.Join(stack, "prometheus.yml"))
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(b, &cfg))

	cfg["global"] = map[string]any{"scrape_interval": testScrapeInterval, "evaluation_interval": testScrapeInterval}
	cfg["rule_files"] = []string{filepath.Join(stack, "rules", "*.yml")}
	targets := map[string]string{"otelcol-ccdash": c.metrics, "otelcol-ccdash-internal": c.telemetry}
	jobs, _ := cfg["scrape_configs"].([]any)
	require.Len(t, jobs, len(targets), "the shipped prometheus.yml scrapes exactly the collector's two endpoints")
	for _, j := range jobs {
		job := j.(map[string]any)
		name, _ := job["job_name"].(string)
		target, ok := targets[name]
		require.True(t, ok, "unexpected scrape job %q in prometheus.yml", name)
		job["static_configs"] = []any{map[string]any{"targets": []string{target}}}
	}
	dir := t.TempDir()
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	conf := filepath.Join(dir, "prometheus.yml")
	require.NoError(t, os.WriteFile(conf, out, 0o644))

	port := processtest.FreePorts(t, 1)[0]
	p := &prometheus{url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	p.Process = processtest.Start(t, "prometheus", exec.Command(bin,
		"--config.file="+conf,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port),
		"--log.level=warn",
	))
	p.WaitFor(t, "ready", 30*time.Second, func() bool {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// promSample is one series of an instant or range query result.
type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  []any             `json:"value"`  // instant: [ts, "v"]
	Values [][]any           `json:"values"` // range: [[ts, "v"], ...]
}

// last is the sample's value (instant) or its last point (range).
func (s promSample) last() float64 {
	v := s.Value
	if len(s.Values) > 0 {
		v = s.Values[len(s.Values)-1]
	}
	if len(v) != 2 {
		return 0
	}
	var f float64
	_, _ = fmt.Sscan(v[1].(string), &f)
	return f
}

// query runs PromQL through the HTTP API: an instant query at now, or a
// range query over the last minute with a 1s step.
func (p *prometheus) query(expr string, instant bool) ([]promSample, error) {
	q := url.Values{"query": {expr}}
	path := "/api/v1/query"
	now := time.Now()
	if instant {
		q.Set("time", fmt.Sprint(now.Unix()))
	} else {
		path = "/api/v1/query_range"
		q.Set("start", fmt.Sprint(now.Add(-time.Minute).Unix()))
		q.Set("end", fmt.Sprint(now.Unix()))
		q.Set("step", "1")
	}
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []promSample `json:"result"`
		} `json:"data"`
		Error string `json:"error"`
	}
	if err := getJSON(p.url+path+"?"+q.Encode(), &r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s", expr, r.Error)
	}
	return r.Data.Result, nil
}

// labelValues answers a Grafana label_values(selector, label) variable query.
func (p *prometheus) labelValues(selector, label string) ([]string, error) {
	q := url.Values{}
	if selector != "" {
		q.Set("match[]", selector)
	}
	var r struct {
		Data []string `json:"data"`
	}
	err := getJSON(p.url+"/api/v1/label/"+url.PathEscape(label)+"/values?"+q.Encode(), &r)
	return r.Data, err
}

// TestCollectorConfigsValidate: the stack's collector config with each
// overlay the compose file can select (local.yaml, otlp.yaml) passes the
// built collector's own `validate` (components exist, configs are valid).
func TestCollectorConfigsValidate(t *testing.T) {
	root := processtest.RepoRoot(t)
	bin := processtest.Binary(t)
	conf := filepath.Join(root, "deploy", "observability", "collector")
	for _, overlay := range []string{"local.yaml", "otlp.yaml"} {
		t.Run(overlay, func(t *testing.T) {
			cmd := exec.Command(bin, "validate",
				"--config", filepath.Join(conf, "config.yaml"),
				"--config", filepath.Join(conf, overlay))
			cmd.Env = append(os.Environ(), "CCDASH_DB_DSN=postgres://ccdash@127.0.0.1:5432/ccdash?sslmode=disable")
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "%s", out)
		})
	}
}
