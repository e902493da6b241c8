package store

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// TestWALShrinksAfterBackfill: once a checkpoint has copied a large WAL into
// the database, the writer's next transaction restarts the log and cuts the
// file back to walSizeLimit instead of keeping its high-water mark.
func TestWALShrinksAfterBackfill(t *testing.T) {
	const limit = 256 << 10
	old := walSizeLimit
	walSizeLimit = strconv.Itoa(limit)
	t.Cleanup(func() { walSizeLimit = old })

	dsn := storetest.DSN(t, "sqlite")
	s, err := Open(context.Background(), Config{Driver: "sqlite", DSN: dsn})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	walSize := func() int64 {
		fi, err := os.Stat(dsn + "-wal")
		require.NoError(t, err)
		return fi.Size()
	}

	write(t, s, benchFacts(0, 3000)...) // one transaction: megabytes of WAL
	grown := walSize()
	require.Greater(t, grown, int64(4*limit), "the test needs a WAL well past the limit")

	// Copy the whole WAL into the database (nothing else is writing), then
	// write again: the writer restarts the log and truncates the file.
	s.writeMu.Lock()
	s.stopCheckpointer() // no background checkpoint racing this one
	s.writeMu.Unlock()
	var busy, logFrames, copied int
	require.NoError(t, s.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &copied))
	require.Equal(t, logFrames, copied, "the checkpoint copied the whole WAL")
	write(t, s, benchFacts(3000, 10)...)
	// The file is cut to the limit at the restart, then holds the frames
	// of this small write; without the limit it would stay at grown.
	assert.Less(t, walSize(), grown/4, "WAL still %d bytes after a restart (was %d)", walSize(), grown)
}
