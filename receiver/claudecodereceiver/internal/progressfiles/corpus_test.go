package progressfiles

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// corpusDir holds real CCDash progress files (outside this repository; see
// /work/shared/corpus/PROVENANCE.md). Their names are flattened
// (dot.claude__progress__<feature>__<file>.md), so they are found with an
// absolute glob; every one names its feature in the front matter.
const corpusDir = "../../../../../shared/corpus/public/miethe__CCDash"

// TestCorpusToStore reads the CCDash progress files through the watcher,
// stores the facts and checks the per-phase counts against a hand count
// (internal/progress/corpus_test.go explains it, file by file): done 27,
// deferred 2 (one `deferred`, one `skipped`), in progress 1, blocked 1,
// pending 11; the malformed runtime-performance-hardening-v1 file is
// reported once and skipped.
func TestCorpusToStore(t *testing.T) {
	abs, err := filepath.Abs(corpusDir)
	require.NoError(t, err)
	if _, err := os.Stat(abs); err != nil {
		t.Skip("shared corpus not found at " + abs + ": skipping the CCDash progress acceptance test")
	}
	read := func() ([]facts.Fact, int) {
		var got []facts.Fact
		malformed := 0
		w := New(Settings{
			Include:     []string{filepath.Join(abs, "dot.claude__progress__*.md")},
			Persister:   newMem(),
			Emit:        func(_ context.Context, b []facts.Fact) error { got = append(got, b...); return nil },
			OnMalformed: func() { malformed++ },
			Home:        "/nonexistent-home",
		})
		require.NoError(t, w.Poll(context.Background()))
		return got, malformed
	}
	fs, malformed := read()
	assert.Equal(t, 1, malformed)
	features := map[string]bool{}
	for _, f := range fs {
		if f.Event == facts.EventFeature {
			features[f.FeatureID] = true
		}
	}
	assert.Equal(t, map[string]bool{
		"are-we-winning-dashboard": true, "ccdash-core-remediation": true, "ccdash-enterprise-edition-v1": true,
		"live-ingest-review-followups": true, "test-visualizer": true, "workflow-registry-and-correlation-v1": true,
	}, features, "six readable files, one feature each; the malformed one is absent")

	for _, driver := range storetest.Drivers {
		t.Run(driver, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, store.Config{Driver: driver, DSN: storetest.DSN(t, driver)})
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			require.NoError(t, s.Write(ctx, fs))
			again, _ := read() // a restart without checkpoints: the same facts again
			require.NoError(t, s.Write(ctx, again))

			counts, err := s.TaskCounts(ctx, store.TaskFilter{})
			require.NoError(t, err)
			got := map[string]store.TaskStatusCounts{}
			for _, c := range counts {
				got[c.FeatureID+"/"+c.Phase] = c.TaskStatusCounts
			}
			assert.Equal(t, map[string]store.TaskStatusCounts{
				"are-we-winning-dashboard/1":             {Done: 2},
				"ccdash-core-remediation/6":              {Done: 4, Blocked: 1, Deferred: 1},
				"ccdash-enterprise-edition-v1/1":         {Done: 19, Deferred: 1},
				"test-visualizer/1":                      {Pending: 11},
				"workflow-registry-and-correlation-v1/4": {Done: 2, InProgress: 1},
			}, got)

			ov, err := s.Overview(ctx, store.OverviewQuery{})
			require.NoError(t, err)
			assert.EqualValues(t, 27, ov.KPIs[store.KPITasksDone].Raw())
			assert.EqualValues(t, 2, ov.KPIs[store.KPITasksDeferred].Raw())
			// 27 done of 42 tasks minus 2 deferred = 67.5 %.
			assert.InDelta(t, 67.5, ov.KPIs[store.KPITasksCompletionPct].Float(), 1e-9)
		})
	}
}
