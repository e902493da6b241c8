package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/bits"
)

// SQLite settings of the write connection only: statement journals in
// memory. Every multi-row upsert opens one, and on disk it costs a temporary
// file and its write calls. (A larger page cache was tried too: it made the
// benchmark backfill no faster and the process 20 MB larger.)
var sqliteWriterPragmas = []string{
	"PRAGMA temp_store = MEMORY",
}

// writer is the connection Write runs on and the upsert statements prepared
// on it. Preparing a multi-row upsert is a large part of its cost (SQLite
// compiles every VALUES row), so statements are prepared once per shape and
// reused by every Write on the connection.
type writer struct {
	conn  *sql.Conn
	stmts map[stmtShape]driver.Stmt
	// args and named are reused between statements.
	args  []any
	named []driver.NamedValue
}

// stmtShape identifies a prepared statement: an upsert and its row count,
// or (u == nil) the SQL text of another statement.
type stmtShape struct {
	u      *upsert
	rows   int
	ignore bool // u's INSERT OR IGNORE (insertFirst)
	query  string
}

// acquireWriter returns the kept write connection or sets up a new one.
// The caller holds writeMu.
func (s *Store) acquireWriter(ctx context.Context) (*writer, error) {
	if s.w != nil {
		return s.w, nil
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if s.dialect == dialectSQLite {
		pragmas := sqliteWriterPragmas
		if s.pinWriter { // a file database: checkpoints in the background
			pragmas = append(pragmas[:len(pragmas):len(pragmas)],
				"PRAGMA wal_autocheckpoint = "+walWriterAutocheckpoint,
				"PRAGMA journal_size_limit = "+walSizeLimit)
		}
		for _, p := range pragmas {
			if _, err := conn.ExecContext(ctx, p); err != nil {
				_ = conn.Close()
				return nil, fmt.Errorf("%s: %w", p, err)
			}
		}
		if s.pinWriter {
			s.startCheckpointer()
		}
	}
	s.w = &writer{conn: conn, stmts: make(map[stmtShape]driver.Stmt)}
	return s.w, nil
}

// releaseWriter closes the prepared statements and returns the connection
// to the pool. The caller holds writeMu.
func (s *Store) releaseWriter() {
	w := s.w
	if w == nil {
		return
	}
	s.w = nil
	_ = w.conn.Raw(func(any) error {
		for _, st := range w.stmts {
			_ = st.Close()
		}
		return nil
	})
	_ = w.conn.Close()
}

// execRows runs u over n rows: full statements of u.rowsPerStmt rows, then
// the remainder in power-of-two statements, so a handful of shapes serves
// every batch size and all of them stay prepared. It talks to the driver
// connection directly (the open transaction is connection state, so the
// statements run inside it): database/sql would copy and convert every
// argument again, which costs a fifth of the write time on SQLite.
//
// after, when not nil, runs after each statement with the driver connection
// and the statement's rows [start, start+rows).
func (w *writer) execRows(ctx context.Context, d dialect, u *upsert, n int, appendRow func(i int, dst []any) []any,
	after func(dc any, start, rows int) error) error {
	if n == 0 {
		return nil
	}
	return w.conn.Raw(func(dc any) error {
		insertFirst := u.insertFirst && d == dialectSQLite
		for start := 0; start < n; {
			rows := chunkRows(n-start, u.rowsPerStmt)
			stmt, err := w.prepared(ctx, dc, d, u, rows, insertFirst)
			if err != nil {
				return err
			}
			args := w.args[:0]
			for i := start; i < start+rows; i++ {
				args = appendRow(i, args)
			}
			named := w.named[:0]
			for i, v := range args {
				named = append(named, driver.NamedValue{Ordinal: i + 1, Value: v})
			}
			res, err := stmt.(driver.StmtExecContext).ExecContext(ctx, named)
			if err == nil && insertFirst {
				var mostlyStored bool
				mostlyStored, err = w.upsertStored(ctx, dc, d, u, rows, res, named)
				// A replay (lost checkpoints, a batch repeated after a
				// crash) finds its keys stored: the rest of this call's
				// rows skip the INSERT OR IGNORE that would only double
				// the work.
				insertFirst = !mostlyStored
			}
			// Drop the references to this batch's values before the next
			// Write, but keep the capacity.
			clear(args)
			clear(named)
			w.args, w.named = args[:0], named[:0]
			if err != nil {
				return fmt.Errorf("%s: %w", u.table, err)
			}
			if after != nil {
				if err := after(dc, start, rows); err != nil {
					return fmt.Errorf("%s: %w", u.table, err)
				}
			}
			start += rows
		}
		return nil
	})
}

// chunkRows is the row count of the next statement for n pending rows.
func chunkRows(n, max int) int {
	if n >= max {
		return max
	}
	return 1 << (bits.Len(uint(n)) - 1) // the largest power of two <= n
}

// upsertStored finishes an insertFirst statement: when its INSERT OR IGNORE
// stored fewer than all rows, some keys were already there, and the upsert
// runs over the same rows to apply its conflict rules to them. It reports
// whether most of the rows were already stored.
func (w *writer) upsertStored(ctx context.Context, dc any, d dialect, u *upsert, rows int, res driver.Result,
	named []driver.NamedValue) (mostlyStored bool, err error) {
	inserted, err := res.RowsAffected()
	if err != nil || inserted == int64(rows) {
		return false, err
	}
	stmt, err := w.prepared(ctx, dc, d, u, rows, false)
	if err != nil {
		return false, err
	}
	_, err = stmt.(driver.StmtExecContext).ExecContext(ctx, named)
	return 2*inserted < int64(rows), err
}

// prepared returns u's statement for rows rows: the upsert, or (ignore) its
// INSERT OR IGNORE.
func (w *writer) prepared(ctx context.Context, dc any, d dialect, u *upsert, rows int, ignore bool) (driver.Stmt, error) {
	key := stmtShape{u: u, rows: rows, ignore: ignore}
	if st, ok := w.stmts[key]; ok {
		return st, nil
	}
	query := u.statement(d, rows)
	if ignore {
		query = u.insertOrIgnore(rows)
	}
	st, err := prepare(ctx, dc, query)
	if err != nil {
		return nil, fmt.Errorf("%s: prepare: %w", u.table, err)
	}
	w.stmts[key] = st
	return st, nil
}

func prepare(ctx context.Context, dc any, query string) (driver.Stmt, error) {
	prep, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver %T cannot prepare with a context", dc)
	}
	st, err := prep.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	_, canExec := st.(driver.StmtExecContext)
	_, canQuery := st.(driver.StmtQueryContext)
	if !canExec || !canQuery {
		_ = st.Close()
		return nil, fmt.Errorf("driver statement %T cannot execute with a context", st)
	}
	return st, nil
}

// queryInt64 runs a cached statement that returns one integer (NULL: 0).
func (w *writer) queryInt64(ctx context.Context, query string, args ...any) (v int64, err error) {
	err = w.conn.Raw(func(dc any) error {
		v, err = w.queryInt64On(ctx, dc, query, args...)
		return err
	})
	return v, err
}

// queryInt64On is queryInt64 for callers that hold the driver connection.
func (w *writer) queryInt64On(ctx context.Context, dc any, query string, args ...any) (int64, error) {
	st, err := w.preparedQuery(ctx, dc, query)
	if err != nil {
		return 0, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, named(args))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(dest); err != nil {
		return 0, err
	}
	switch x := dest[0].(type) {
	case int64:
		return x, nil
	case nil:
		return 0, nil
	default:
		return 0, fmt.Errorf("%s: got %T, want an integer", query, x)
	}
}

// exec runs a cached statement.
func (w *writer) exec(ctx context.Context, query string, args ...any) error {
	return w.conn.Raw(func(dc any) error {
		st, err := w.preparedQuery(ctx, dc, query)
		if err != nil {
			return err
		}
		_, err = st.(driver.StmtExecContext).ExecContext(ctx, named(args))
		return err
	})
}

func (w *writer) preparedQuery(ctx context.Context, dc any, query string) (driver.Stmt, error) {
	key := stmtShape{query: query}
	if st, ok := w.stmts[key]; ok {
		return st, nil
	}
	st, err := prepare(ctx, dc, query)
	if err != nil {
		return nil, err
	}
	w.stmts[key] = st
	return st, nil
}

func named(args []any) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}
