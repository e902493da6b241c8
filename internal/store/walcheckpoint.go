package store

import (
	"context"
	"time"
)

// SQLite WAL checkpoints off the write path. By default the connection that
// commits past wal_autocheckpoint pages copies the whole WAL into the
// database file before its COMMIT returns: during a backfill that was about
// a sixth of the writer's time, and the writer is the backfill's critical
// path. The write connection instead leaves checkpoints to a goroutine that
// runs PASSIVE checkpoints on a pooled connection after commits, so the
// copy overlaps with the next batch. Durability is unchanged: a committed
// transaction is in the WAL (synchronous=NORMAL), whoever copies it later.
// The writer keeps a large autocheckpoint as a backstop, so the WAL stays
// bounded even if the checkpointer cannot keep up.

const (
	// walWriterAutocheckpoint is the writer's own autocheckpoint, in pages
	// (16 KiB): 128 MiB of WAL, reached only when the checkpointer lags.
	walWriterAutocheckpoint = "8192"
	// walCheckpointEvery spaces background checkpoints: pages a batch
	// rewrites (B-tree pages near the insertion point, usage_buckets) are
	// then copied once per interval rather than once per commit.
	walCheckpointEvery = time.Second
)

// walSizeLimit is the WAL file size, in bytes, the writer truncates to when
// it restarts the log (journal_size_limit): without it the file keeps its
// backfill high-water mark, 150-300 MB, for as long as the collector runs.
// A variable so a test can make it small.
var walSizeLimit = "67108864"

type walCheckpointer struct {
	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// startCheckpointer starts the background checkpointer once; the caller
// holds writeMu.
func (s *Store) startCheckpointer() {
	if s.ckpt != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &walCheckpointer{kick: make(chan struct{}, 1), cancel: cancel, done: make(chan struct{})}
	s.ckpt = c
	go func() {
		defer close(c.done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-c.kick:
			}
			// Errors (SQLITE_BUSY from a concurrent checkpoint, a closing
			// database) are harmless: the next commit kicks again, and the
			// writer's autocheckpoint is the backstop.
			_, _ = s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
			select {
			case <-ctx.Done():
				return
			case <-time.After(walCheckpointEvery):
			}
		}
	}()
}

// kickCheckpointer asks for a checkpoint after a commit; it never blocks.
func (s *Store) kickCheckpointer() {
	if c := s.ckpt; c != nil {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// stopCheckpointer stops the goroutine and waits for it; the caller holds
// writeMu.
func (s *Store) stopCheckpointer() {
	if c := s.ckpt; c != nil {
		s.ckpt = nil
		c.cancel()
		<-c.done
	}
}
