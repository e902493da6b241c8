package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// writeLockKey is the PostgreSQL advisory lock that makes Write single-writer
// across processes (gateway replicas sharing one database). Session totals
// are recomputed from the stored facts inside the transaction; two
// overlapping writers could otherwise each compute from a snapshot missing
// the other's rows.
const writeLockKey int64 = 0x636364617369

// lookupChunk bounds IN (...) lists.
const lookupChunk = 500

// Write stores facts in one transaction. It is idempotent and order
// independent: any number of Writes of the same facts, in any order and split
// into any batches, leave identical tables. Facts without a key are not
// stored in telemetry_events or file_updates (they cannot be de-duplicated)
// but still count for their session, tool call (by tool_use_id) or reporter.
func (s *Store) Write(ctx context.Context, fs []facts.Fact) error {
	b := newBatch(fs)
	if b.empty() {
		return nil
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()

	w, err := s.acquireWriter(ctx)
	if err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	err = s.writeTx(ctx, w, b)
	if err != nil || !s.pinWriter {
		// After an error the connection may be broken; a fresh one and
		// freshly prepared statements cost little next time.
		s.releaseWriter()
	}
	if err == nil {
		s.kickCheckpointer()
	}
	return err
}

func (s *Store) writeTx(ctx context.Context, w *writer, b *batch) error {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: write: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
			return fmt.Errorf("store: write: lock: %w", err)
		}
	}
	if err := s.writeBatch(ctx, w, tx, b); err != nil {
		return fmt.Errorf("store: write: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write: commit: %w", err)
	}
	return nil
}

func (s *Store) writeBatch(ctx context.Context, w *writer, tx *sql.Tx, b *batch) error {
	d := s.dialect
	touched := make(map[string]struct{}, len(b.sessions))
	for i := range b.sessions {
		touched[b.sessions[i].id] = struct{}{}
	}
	nativePre, err := s.nativeBefore(ctx, tx, b)
	if err != nil {
		return err
	}
	if d == dialectSQLite {
		if err := w.upsertEventsSQLite(ctx, b); err != nil {
			return err
		}
	} else if err := w.execRows(ctx, d, eventUpsert, len(b.events), b.eventArgs, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, d, toolUpsert, len(b.tools), func(i int, dst []any) []any { return b.tools[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, d, fileUpsert, len(b.files), func(i int, dst []any) []any { return b.files[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, d, ingestUpsert, len(b.ingest), func(i int, dst []any) []any { return b.ingest[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, d, sessionUpsert, len(b.sessions), func(i int, dst []any) []any { return b.sessions[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := s.nativeAfter(ctx, w, tx, b, nativePre, touched); err != nil {
		return fmt.Errorf("native: %w", err)
	}
	if err := w.writeTasks(ctx, tx, d, &b.tasks); err != nil {
		return fmt.Errorf("tasks: %w", err)
	}
	if err := w.writeLinks(ctx, d, b); err != nil {
		return err
	}
	if err := w.writeToolInputs(ctx, d, b); err != nil { // insights_write.go
		return err
	}

	// A replaced API request or a re-attributed tool call leaves its old
	// session, which needs its totals recomputed too; the triggers of
	// sessions_moved noted those sessions during the upserts.
	if err := takeMovedSessions(ctx, tx, touched); err != nil {
		return err
	}
	delete(touched, "")
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return recompute(ctx, tx, d, ids)
}

// takeMovedSessions adds the sessions noted in sessions_moved to into and
// empties the table.
func takeMovedSessions(ctx context.Context, tx *sql.Tx, into map[string]struct{}) error {
	rows, err := tx.QueryContext(ctx, "SELECT session_id FROM sessions_moved")
	if err != nil {
		return err
	}
	n := 0
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		into[id] = struct{}{}
		n++
	}
	rows.Close()
	if err := rows.Err(); err != nil || n == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, "DELETE FROM sessions_moved")
	return err
}

// inChunks calls fn with keys as []any, lookupChunk at a time.
func inChunks(keys []string, fn func(chunk []any) error) error {
	args := make([]any, 0, min(len(keys), lookupChunk))
	for start := 0; start < len(keys); start += lookupChunk {
		args = args[:0]
		for _, k := range keys[start:min(start+lookupChunk, len(keys))] {
			args = append(args, k)
		}
		if err := fn(args); err != nil {
			return err
		}
	}
	return nil
}
