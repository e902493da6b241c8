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

// TestInsertFirstMixedStatements: statements that mix stored and new keys
// (the INSERT OR IGNORE stores some rows, the upsert then handles the rest)
// leave the same tables as one Write of everything, on both dialects.
func TestInsertFirstMixedStatements(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		history := append(scenarioFacts(), benchFacts(0, 1500)...)
		ref := openStore(t, driver)
		write(t, ref, history...)

		s := openStore(t, driver)
		for i := 0; i < len(history); i += 3 { // every third fact first
			write(t, s, history[i])
		}
		write(t, s, history...)
		assert.Equal(t, dumpTables(t, ref), dumpTables(t, s))
	})
}

// TestInsertFirstKeepsConstraintErrors: a row the INSERT OR IGNORE skips for
// a NOT NULL violation (not a stored key) still fails the statement, through
// the upsert that follows, instead of vanishing.
func TestInsertFirstKeepsConstraintErrors(t *testing.T) {
	s := openStore(t, "sqlite")
	ctx := context.Background()
	_, err := s.db.ExecContext(ctx, "CREATE TABLE insert_first (k TEXT NOT NULL PRIMARY KEY, v INTEGER NOT NULL)")
	require.NoError(t, err)
	u := &upsert{table: "insert_first", columns: []string{"k", "v"},
		conflict: "ON CONFLICT (k) DO UPDATE SET v = excluded.v", rowsPerStmt: 8, insertFirst: true}
	assert.Equal(t, "INSERT OR IGNORE INTO insert_first (k, v) VALUES (?, ?), (?, ?)", u.insertOrIgnore(2))

	rows := [][2]any{{"a", int64(1)}, {"b", int64(2)}}
	run := func() error {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
		w, err := s.acquireWriter(ctx)
		require.NoError(t, err)
		return w.execRows(ctx, s.dialect, u, len(rows), func(i int, dst []any) []any { return append(dst, rows[i][0], rows[i][1]) }, nil)
	}
	require.NoError(t, run())
	rows = [][2]any{{"a", int64(5)}, {"c", int64(3)}} // one stored key, one new
	require.NoError(t, run())
	var got string
	require.NoError(t, s.db.QueryRowContext(ctx, "SELECT group_concat(k || v, ',') FROM (SELECT k, v FROM insert_first ORDER BY k)").Scan(&got))
	assert.Equal(t, "a5,b2,c3", got)

	rows = [][2]any{{"d", int64(4)}, {"e", nil}}
	assert.ErrorContains(t, run(), "NOT NULL")
}
