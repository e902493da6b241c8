package store

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChunkRows(t *testing.T) {
	tests := []struct{ pending, max, want int }{
		{1, 200, 1}, {2, 200, 2}, {3, 200, 2}, {199, 200, 128}, {200, 200, 200}, {201, 200, 200}, {1000, 300, 300},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, chunkRows(tt.pending, tt.max), "%d pending, max %d", tt.pending, tt.max)
	}
	// Any row count is covered by a handful of statement shapes.
	shapes := map[int]bool{}
	for n := 1; n <= 1000; n++ {
		for left := n; left > 0; {
			rows := chunkRows(left, 200)
			shapes[rows] = true
			left -= rows
		}
	}
	assert.Len(t, shapes, 9) // 200 and the powers of two below it
}

// TestWriteAfterFailedWrite: a failed Write gives up its connection and
// statements; the next Write starts afresh and stores the same tables as a
// store that never failed, and a reused connection keeps doing so.
func TestWriteAfterFailedWrite(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		history := benchFacts(0, 1500)
		ref := openStore(t, driver)
		write(t, ref, scenarioFacts()...)
		write(t, ref, history...)

		s := openStore(t, driver)
		write(t, s, history[:700]...) // the writer and its statements are kept
		cancelled, cancel := context.WithCancel(context.Background())
		cancel()
		require.Error(t, s.Write(cancelled, scenarioFacts()))
		s.writeMu.Lock()
		assert.Nil(t, s.w, "a failed Write releases its connection")
		s.writeMu.Unlock()
		write(t, s, scenarioFacts()...)
		write(t, s, history[700:]...)
		assert.Equal(t, dumpTables(t, ref), dumpTables(t, s))
	})
}
