// Package panels checks the observability stack in deploy/observability:
// the compose file (loaded with compose-go, like `docker compose config`),
// the Prometheus config and alert rules (promtool), and — with the e2e build
// tag (make test-panels) — every panel query of every shipped dashboard
// against a real Prometheus and PostgreSQL fed by the built collector.
package panels

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stackDir is deploy/observability (go test runs in the package directory).
func stackDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "deploy", "observability"))
	require.NoError(t, err)
	return dir
}

func loadCompose(t *testing.T, envFiles ...string) *types.Project {
	t.Helper()
	dir := stackDir(t)
	opts := []cli.ProjectOptionsFn{
		cli.WithName("ccdash"),
		cli.WithWorkingDirectory(dir),
		// Only the variables the file documents: the test must not depend on
		// the developer's shell (HOME is needed for ~/.claude).
		cli.WithEnv([]string{"HOME=" + t.TempDir()}),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
	}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	opts = append(opts, cli.WithDefaultProfiles())
	po, err := cli.NewProjectOptions([]string{filepath.Join(dir, "docker-compose.yml")}, opts...)
	require.NoError(t, err)
	p, err := cli.ProjectFromOptions(context.Background(), po)
	require.NoError(t, err)
	return p
}

func names(s types.Services) []string {
	out := make([]string, 0, len(s))
	for n := range s {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestComposeServicesAndProfiles: the default stack is collector,
// PostgreSQL, Prometheus and Grafana; traces.env adds Tempo and Loki and
// switches the collector to the OTLP overlay.
func TestComposeServicesAndProfiles(t *testing.T) {
	dir := stackDir(t)
	core := []string{"grafana", "otelcol-ccdash", "postgres", "prometheus"}
	traces := []string{"loki", "tempo", "tempo-init"}

	p := loadCompose(t)
	assert.Equal(t, core, names(p.Services))
	assert.Equal(t, traces, names(p.DisabledServices))
	assert.Contains(t, p.Services["otelcol-ccdash"].Command, "--config=/etc/otelcol-ccdash/local.yaml")

	pt := loadCompose(t, filepath.Join(dir, "traces.env"))
	all := append(append([]string{}, core...), traces...)
	sort.Strings(all)
	assert.Equal(t, all, names(pt.Services))
	assert.Empty(t, pt.DisabledServices)
	assert.Contains(t, pt.Services["otelcol-ccdash"].Command, "--config=/etc/otelcol-ccdash/otlp.yaml")
	for _, s := range traces {
		assert.Equal(t, []string{"traces"}, pt.Services[s].Profiles, s)
	}

	// Every overlay the command can name exists in the mounted folder.
	for _, f := range []string{"config.yaml", "local.yaml", "otlp.yaml"} {
		assert.FileExists(t, filepath.Join(dir, "collector", f))
	}
}

// TestComposeImagesPinned: every image has an explicit tag that is not
// "latest"; only the collector is built from this repository.
func TestComposeImagesPinned(t *testing.T) {
	p := loadCompose(t, filepath.Join(stackDir(t), "traces.env"))
	for name, s := range p.Services {
		require.NotEmpty(t, s.Image, name)
		i := strings.LastIndex(s.Image, ":")
		require.Greater(t, i, strings.LastIndex(s.Image, "/"), "%s: image %q has no tag", name, s.Image)
		assert.NotEqual(t, "latest", s.Image[i+1:], "%s: image %q is not pinned", name, s.Image)
		if name == "otelcol-ccdash" {
			require.NotNil(t, s.Build, "the collector is built from the repository Dockerfile")
			assert.FileExists(t, filepath.Join(s.Build.Context, s.Build.Dockerfile))
		} else {
			assert.Nil(t, s.Build, name)
		}
	}
}

// TestComposeMountsAndPorts: ~/.claude is mounted read-only, every bind
// mount is read-only and exists (state lives in named volumes), and every
// published port listens on 127.0.0.1 only.
func TestComposeMountsAndPorts(t *testing.T) {
	p := loadCompose(t, filepath.Join(stackDir(t), "traces.env"))
	var claude *types.ServiceVolumeConfig
	for name, s := range p.Services {
		for i, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			assert.True(t, v.ReadOnly, "%s: bind mount %s → %s must be read-only", name, v.Source, v.Target)
			if v.Target == "/claude" {
				claude = &s.Volumes[i]
				continue
			}
			_, err := os.Stat(v.Source)
			assert.NoError(t, err, "%s: bind source", name)
		}
		for _, port := range s.Ports {
			assert.Equal(t, "127.0.0.1", port.HostIP, "%s: port %s must not listen on every interface", name, port.Published)
		}
	}
	require.NotNil(t, claude, "otelcol-ccdash mounts the Claude history at /claude")
	assert.Equal(t, ".claude", filepath.Base(claude.Source), "defaults to ~/.claude")
	dir := p.Services["otelcol-ccdash"].Environment["CLAUDE_CONFIG_DIR"]
	require.NotNil(t, dir)
	assert.Equal(t, "/claude", *dir)
	dsn := p.Services["otelcol-ccdash"].Environment["CCDASH_DB_DSN"]
	require.NotNil(t, dsn)
	assert.True(t, strings.HasPrefix(*dsn, "postgres://ccdash:ccdash@postgres:5432/ccdash"), *dsn)
}

// TestPrometheusConfigAndRules: promtool accepts the config and the rule
// files (check config, check rules) and the rule unit tests (prometheus/tests/*_test.yml) pass.
func TestPrometheusConfigAndRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found: apt-get install -y prometheus (.ci/run does)")
	}
	dir := filepath.Join(stackDir(t), "prometheus")
	tests, err := filepath.Glob(filepath.Join(dir, "tests", "*_test.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, tests)
	rules, err := filepath.Glob(filepath.Join(dir, "rules", "*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, rules)
	for _, args := range [][]string{
		{"check", "config", filepath.Join(dir, "prometheus.yml")},
		append([]string{"check", "rules"}, rules...),
		append([]string{"test", "rules"}, tests...),
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Join(dir, "tests")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "promtool %s:\n%s", strings.Join(args, " "), out)
	}
}
