package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteRollupsEmptyRemovesEntry: an empty window (its facts moved to
// another window) removes the stored entry and its links, unless a total
// observed later is stored; writing it again changes nothing.
func TestWriteRollupsEmptyRemovesEntry(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		ctx := context.Background()
		kept := tokenEntry(PeriodHourly, rollupDay, "input", "opus", 10)
		moved := tokenEntry(PeriodHourly, rollupDay.Add(time.Hour), "input", "opus", 5)
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{kept, moved}))
		assert.EqualValues(t, 2, countRows(t, s, "analytics_entries"))

		empty := moved
		empty.Empty, empty.Value, empty.Int = true, 0, nil
		stale := kept
		stale.Empty, stale.Observed = true, kept.Observed.Add(-time.Second) // older than the stored total
		for range 2 {
			require.NoError(t, s.WriteRollups(ctx, []RollupEntry{empty, stale}))
		}
		assert.EqualValues(t, 1, countRows(t, s, "analytics_entries"))
		assert.EqualValues(t, 3, countRows(t, s, "analytics_entity_links"), "the kept entry's links only")

		// In one batch the latest emission of a window wins: empty, then
		// counted again.
		again := moved
		again.Observed = moved.Observed.Add(time.Second)
		require.NoError(t, s.WriteRollups(ctx, []RollupEntry{empty, again}))
		assert.EqualValues(t, 2, countRows(t, s, "analytics_entries"))
	})
}
