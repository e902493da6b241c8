package claudecodereceiver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

func TestProgressConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  ProgressConfig
		errs []string
	}{
		{"default", defaultProgressConfig(), nil},
		{"disabled ignores the rest", ProgressConfig{Include: []string{"["}}, nil},
		{"no include", ProgressConfig{Enabled: true, PollInterval: time.Second}, []string{"progress.include must list"}},
		{"bad globs", ProgressConfig{Enabled: true, PollInterval: time.Second, Include: []string{"a/[b"}, Exclude: []string{" "}},
			[]string{`progress.include "a/[b"`, `progress.exclude " ": empty glob`}},
		{"poll", ProgressConfig{Enabled: true, Include: []string{"*.md"}}, []string{"progress.poll_interval must be positive"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.cfg.validate()
			require.Len(t, errs, len(tc.errs))
			for i, e := range tc.errs {
				assert.ErrorContains(t, errs[i], e)
			}
		})
	}
}

// TestReceiverEmitsProgressFacts: a transcript names a project folder (its
// cwd); the progress files under it become feature and task facts on the
// logs pipeline, and a malformed one is counted and skipped.
func TestReceiverEmitsProgressFacts(t *testing.T) {
	dir := t.TempDir()
	projDir := filepath.Join(t.TempDir(), "proj")
	writeTestFile(t, filepath.Join(projDir, ".claude", "progress", "feat", "phase-1-progress.md"), `---
title: Phase 1
tasks:
  - id: T1
    status: completed
  - id: T2
    status: deferred
---
`)
	writeTestFile(t, filepath.Join(projDir, ".claude", "progress", "bad", "phase-1-progress.md"), "---\nnote: a: b\n---\n")
	line := `{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":` + quote(projDir) +
		`,"sessionId":"s","version":"2.1.39","gitBranch":"main","type":"user","uuid":"u1","timestamp":"2026-10-01T10:00:00.000Z","message":{"role":"user","content":"hi"}}` + "\n"
	writeTestFile(t, filepath.Join(dir, "projects", "-proj", "s.jsonl"), line)

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	cfg := newTestConfig(dir)
	cfg.Progress.PollInterval = 20 * time.Millisecond
	sink := new(consumertest.LogsSink)
	r, err := NewFactory().CreateLogs(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })

	progressFacts := func() []facts.Fact {
		var out []facts.Fact
		for _, f := range factsOf(sink.AllLogs()) {
			if f.Event == facts.EventTaskStatus || f.Event == facts.EventFeature {
				out = append(out, f)
			}
		}
		return out
	}
	require.Eventually(t, func() bool { return len(progressFacts()) == 3 }, 10*time.Second, 10*time.Millisecond)

	got := map[string]string{}
	for _, f := range progressFacts() {
		assert.Equal(t, "feat", f.FeatureID)
		assert.Equal(t, projDir, f.Project)
		key, _, _ := strings.Cut(f.Key, "@") // task keys end in @<mtime ms>
		got[key] = f.Status
	}
	assert.Equal(t, map[string]string{
		"feature:feat:feat/phase-1-progress.md": "", // no status in its front matter
		"task:feat/T1:done":                     progress.StatusDone,
		"task:feat/T2:deferred":                 progress.StatusDeferred,
	}, got)

	m, err := tel.GetMetric("otelcol_receiver_claude_code_progress_files_malformed")
	require.NoError(t, err)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%T", m.Data)
	require.Len(t, sum.DataPoints, 1)
	assert.EqualValues(t, 1, sum.DataPoints[0].Value)
}

func writeTestFile(t *testing.T, p, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `\`, `\\`) + `"` }
