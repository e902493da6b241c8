package progress

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir holds the CCDash progress files of the shared corpus (outside
// this repository; see /work/shared/corpus/PROVENANCE.md).
const corpusDir = "../../../shared/corpus/public/miethe__CCDash"

// originalPath undoes the corpus file naming (see PROVENANCE.md: "/" was
// written as "__" and a leading "." as "dot."), so the feature and phase are
// derived from the path the file had in its repository.
func originalPath(name string) string {
	return "/repo/" + strings.ReplaceAll(strings.Replace(name, "dot.", ".", 1), "__", "/")
}

// TestCorpusCounts checks the per-phase counts against a hand count.
//
// How the expected numbers were counted: each file's front matter was read
// by eye and every `- id:` entry of its `tasks:` list tallied by its
// `status:` line (entries under success_criteria/blockers, which also carry
// `status:`, are not tasks and were not counted):
//
//   - are-we-winning-dashboard phase 1: T1-001, T1-002 completed → done 2.
//   - ccdash-core-remediation phase 6: T6-001/002/004/006 completed, T6-003
//     blocked, T6-005 skipped → done 4, blocked 1, deferred 1.
//   - ccdash-enterprise-edition-v1 phase 1: T1-001…T1-019 plus T1-P0012 = 20
//     tasks, T1-016 deferred, the other 19 completed → done 19, deferred 1.
//   - test-visualizer phase 1: TASK-1.1…TASK-1.11 all pending → pending 11
//     (although its front matter says status: completed, overall_progress: 100).
//   - workflow-registry-and-correlation-v1 phase 4: API-4.1, API-4.2
//     completed, API-4.3 in_progress → done 2, in progress 1.
//   - quick-features/live-ingest-review-followups: no tasks: list (its FU-n
//     items are markdown headings) → no tasks, but a feature.
//   - runtime-performance-hardening-v1 phase 4: malformed front matter
//     (`Phase 6:` inside a plain multi-line scalar, line 184) → reported, skipped.
//
// Totals: done 27, deferred 2, in progress 1, blocked 1, pending 11, unknown 0.
func TestCorpusCounts(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpusDir, "dot.claude__progress__*.md"))
	if len(files) == 0 {
		t.Skip("shared corpus not found at " + corpusDir + ": skipping the CCDash progress acceptance test")
	}
	type counts struct{ done, deferred, inProgress, blocked, pending, unknown int }
	want := map[string]counts{ // feature/phase
		"are-we-winning-dashboard/1":             {done: 2},
		"ccdash-core-remediation/6":              {done: 4, blocked: 1, deferred: 1},
		"ccdash-enterprise-edition-v1/1":         {done: 19, deferred: 1},
		"test-visualizer/1":                      {pending: 11},
		"workflow-registry-and-correlation-v1/4": {done: 2, inProgress: 1},
	}
	got := map[string]counts{}
	var features []string
	var bad []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		p := originalPath(filepath.Base(f))
		doc, err := Parse(p, data)
		if err != nil {
			var me *MalformedError
			require.True(t, errors.As(err, &me), "%v", err)
			bad = append(bad, me.Path)
			assert.Contains(t, me.Reason, "mapping values are not allowed")
			assert.Contains(t, me.Reason, "line 184", "line numbers are the file's")
			continue
		}
		features = append(features, doc.FeatureID)
		for _, tk := range doc.Tasks {
			k := doc.FeatureID + "/" + tk.Phase
			c := got[k]
			switch tk.Status {
			case StatusDone:
				c.done++
			case StatusDeferred:
				c.deferred++
			case StatusInProgress:
				c.inProgress++
			case StatusBlocked:
				c.blocked++
			case StatusPending:
				c.pending++
			default:
				c.unknown++
			}
			got[k] = c
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, []string{"/repo/.claude/progress/runtime-performance-hardening-v1/phase-4-progress.md"}, bad)
	assert.ElementsMatch(t, []string{
		"are-we-winning-dashboard", "ccdash-core-remediation", "ccdash-enterprise-edition-v1",
		"live-ingest-review-followups", "test-visualizer", "workflow-registry-and-correlation-v1",
	}, features)
}
