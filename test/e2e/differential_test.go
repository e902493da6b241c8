//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/ccusage"
	"github.com/ccdash/otelcol-ccdash/internal/corpus"
	"github.com/ccdash/otelcol-ccdash/internal/processtest"
)

// corpusDir is ../shared/corpus/public beside the repository, when present.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(processtest.RepoRoot(t), "..", "shared", "corpus", "public")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared corpus not found at %s: skipping corpus test", dir)
	}
	return dir
}

// corpusTree lays the corpus's transcripts out as a Claude config dir
// (internal/corpus: flat names become projects/<slug>/<session>.jsonl and
// <session>/subagents/agent-<id>.jsonl).
func corpusTree(t *testing.T) string {
	t.Helper()
	files, err := corpus.Files(corpusDir(t))
	require.NoError(t, err)
	return layoutTree(t, files)
}

// corpusCopiesTree is 24 copies of the corpus with fresh ids, each moved 7
// hours after the one before (internal/corpus): every hour of the corpus
// lands on midnight in one copy.
func corpusCopiesTree(t *testing.T) string {
	t.Helper()
	tree := t.TempDir()
	_, err := corpus.Replicate(corpusDir(t), tree, 24, 7*time.Hour)
	require.NoError(t, err)
	return tree
}

// testdataTree is this repository's own small transcript tree.
func testdataTree(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(processtest.RepoRoot(t), "testdata", "claude")
	_, err := os.Stat(filepath.Join(dir, "projects"))
	require.NoError(t, err, "testdata/claude/projects is part of the repository")
	return dir
}

// assertMatchesCCUsage runs ccusage and the collector over the same tree
// and compares tokens per (day, model) exactly and cost within 0.1%.
func assertMatchesCCUsage(t *testing.T, configDir, tz string) {
	t.Helper()
	ctx := ctxTimeout(t, 5*time.Minute)
	bin, err := ccusage.Ensure(ctx, "")
	if err == ccusage.ErrNPMUnavailable {
		t.Skip("npm not available: cannot install ccusage")
	}
	require.NoError(t, err)
	report, err := ccusage.Daily(ctx, bin, configDir, tz)
	require.NoError(t, err)

	c := startCollector(t, collectorEnv{ClaudeConfigDir: configDir, DataDir: t.TempDir()})
	st := c.waitBackfill(10 * time.Minute)
	require.Zero(t, st.BadLines, "the tree has no bad lines")

	ours := map[ccusage.Metric]map[string]map[string]float64{}
	for _, m := range ccusage.Metrics {
		ours[m] = c.byDayModel(string(m), tz)
	}
	mismatches := ccusage.CompareSeries(report, ours)
	for _, m := range mismatches {
		t.Error(m.String())
	}
	require.NotEmpty(t, report.Daily, "ccusage saw no usage: the comparison would be vacuous")
	days := make([]string, 0, len(report.Daily))
	for _, d := range report.Daily {
		days = append(days, d.Date)
	}
	sort.Strings(days)
	t.Logf("compared %d days (%s..%s) x models x %d metrics against ccusage: %d mismatches",
		len(days), days[0], days[len(days)-1], len(ccusage.Metrics), len(mismatches))
}

func TestDifferentialTestdata(t *testing.T) {
	for _, tz := range []string{"UTC", "America/New_York", "Asia/Kolkata"} {
		t.Run(strings.ReplaceAll(tz, "/", "_"), func(t *testing.T) {
			assertMatchesCCUsage(t, testdataTree(t), tz)
		})
	}
}

func TestDifferentialCorpus(t *testing.T) {
	tree := corpusTree(t)
	for _, tz := range []string{"UTC", "Asia/Kolkata"} {
		t.Run(strings.ReplaceAll(tz, "/", "_"), func(t *testing.T) {
			assertMatchesCCUsage(t, tree, tz)
		})
	}
}

// TestDifferentialCorpusCopies compares on 24 copies of the corpus with
// fresh random ids and timestamps moved 7 hours per copy (internal/corpus,
// the real-shaped benchmark history in small). 7 and 24 are coprime, so
// every hour of the corpus lands on midnight in one copy: streamed blocks
// of one response that straddle a day boundary must count on the day
// ccusage counts them.
func TestDifferentialCorpusCopies(t *testing.T) {
	tree := corpusCopiesTree(t)
	for _, tz := range []string{"UTC", "America/New_York"} {
		t.Run(strings.ReplaceAll(tz, "/", "_"), func(t *testing.T) {
			assertMatchesCCUsage(t, tree, tz)
		})
	}
}

// TestDifferentialSynthetic compares on a larger generated history
// (streaming splits, subagent dirs with agent_progress copies, compaction
// agents, resumed sessions, a user west of UTC).
func TestDifferentialSynthetic(t *testing.T) {
	tree := synthTree(t, 30<<20)
	for _, tz := range []string{"UTC", "America/Los_Angeles"} {
		t.Run(strings.ReplaceAll(tz, "/", "_"), func(t *testing.T) {
			assertMatchesCCUsage(t, tree, tz)
		})
	}
}

// TestDifferentialExternalTree compares on any Claude config dir named by
// CCDASH_DIFF_TREE, e.g. your own ~/.claude or the benchmark history, in
// the IANA zone CCDASH_DIFF_TZ (default UTC):
//
//	CCDASH_DIFF_TREE=$HOME/.claude CCDASH_DIFF_TZ=Europe/Berlin go test -tags e2e -run ExternalTree ./test/e2e/
func TestDifferentialExternalTree(t *testing.T) {
	tree := os.Getenv("CCDASH_DIFF_TREE")
	if tree == "" {
		t.Skip("CCDASH_DIFF_TREE not set: no external tree to compare")
	}
	tz := os.Getenv("CCDASH_DIFF_TZ")
	if tz == "" {
		tz = "UTC"
	}
	assertMatchesCCUsage(t, tree, tz)
}
