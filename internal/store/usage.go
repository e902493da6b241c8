package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// usage_buckets and session_usage_buckets (the same sums with the session in
// the key, migration 0009) on SQLite. PostgreSQL keeps the tables with
// statement triggers that see every inserted, replaced and deleted row at
// once. SQLite only has row triggers, and one per inserted API request cost
// more than the rest of the request's insert, so there the triggers handle
// the rare cases (a replaced copy, a delete) and Write adds the requests it
// inserted.
//
// Which rows an upsert inserted follows from rowids: SQLite gives a new row
// the largest rowid plus one, the write lock keeps other writers out, and an
// upsert that updates keeps the row's rowid. So after each statement the
// rows above the previous largest rowid are the ones it inserted. When that
// is all of the statement's rows (a backfill) their sums come from the
// values just bound; when it is some of them (a replay with new lines) one
// grouped statement reads them back. A batch upserts each key once, so no
// row is both inserted and replaced in one Write.

const maxEventRowid = "SELECT MAX(rowid) FROM telemetry_events"

// usageKey is a usage_buckets key; with sessionID, a session_usage_buckets
// key.
type usageKey struct {
	bucket                                     int64
	sessionID, model, project, stype, threadID string
}

// usageRow is a usage_buckets (session_usage_buckets) row, or an amount to
// add to one.
type usageRow struct {
	usageKey
	requests, in, out, cacheCreate, cacheRead, cost int64
}

var usageColumnsList = []string{
	"bucket", "model", "project", "session_type", "thread_id",
	"api_requests", "tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read", "cost_nanos",
}

// usageAdd adds rows to usage_buckets.
var usageAdd = &upsert{
	table:   "usage_buckets",
	columns: usageColumnsList,
	conflict: `ON CONFLICT (bucket, model, project, session_type, thread_id) DO UPDATE SET
    api_requests = usage_buckets.api_requests + excluded.api_requests,
    tokens_input = usage_buckets.tokens_input + excluded.tokens_input,
    tokens_output = usage_buckets.tokens_output + excluded.tokens_output,
    tokens_cache_creation = usage_buckets.tokens_cache_creation + excluded.tokens_cache_creation,
    tokens_cache_read = usage_buckets.tokens_cache_read + excluded.tokens_cache_read,
    cost_nanos = usage_buckets.cost_nanos + excluded.cost_nanos`,
	rowsPerStmt: 200,
}

func (r *usageRow) appendArgs(dst []any) []any {
	return append(dst, r.bucket, r.model, r.project, r.stype, r.threadID,
		r.requests, r.in, r.out, r.cacheCreate, r.cacheRead, r.cost)
}

// sessionUsageAdd adds rows to session_usage_buckets.
var sessionUsageAdd = &upsert{
	table: "session_usage_buckets",
	columns: []string{
		"bucket", "session_id", "model", "project", "session_type", "thread_id",
		"api_requests", "tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read", "cost_nanos",
	},
	conflict: `ON CONFLICT (bucket, session_id, model, project, session_type, thread_id) DO UPDATE SET
    api_requests = session_usage_buckets.api_requests + excluded.api_requests,
    tokens_input = session_usage_buckets.tokens_input + excluded.tokens_input,
    tokens_output = session_usage_buckets.tokens_output + excluded.tokens_output,
    tokens_cache_creation = session_usage_buckets.tokens_cache_creation + excluded.tokens_cache_creation,
    tokens_cache_read = session_usage_buckets.tokens_cache_read + excluded.tokens_cache_read,
    cost_nanos = session_usage_buckets.cost_nanos + excluded.cost_nanos`,
	rowsPerStmt: 200,
}

func (r *usageRow) appendSessionArgs(dst []any) []any {
	return append(dst, r.bucket, r.sessionID, r.model, r.project, r.stype, r.threadID,
		r.requests, r.in, r.out, r.cacheCreate, r.cacheRead, r.cost)
}

// add adds o's sums to r's.
func (r *usageRow) add(o *usageRow) {
	r.requests += o.requests
	r.in += o.in
	r.out += o.out
	r.cacheCreate += o.cacheCreate
	r.cacheRead += o.cacheRead
	r.cost += o.cost
}

// compareUsageKeys orders keys like the tables' primary keys (session after
// bucket; it is "" in usage_buckets keys).
func compareUsageKeys(a, b *usageKey) int {
	return cmp.Or(cmp.Compare(a.bucket, b.bucket), cmp.Compare(a.sessionID, b.sessionID), cmp.Compare(a.model, b.model),
		cmp.Compare(a.project, b.project), cmp.Compare(a.stype, b.stype), cmp.Compare(a.threadID, b.threadID))
}

// addInsertedUsage adds the API requests among the rowids (?, ?] to
// usage_buckets.
const addInsertedUsage = `INSERT INTO usage_buckets (bucket, model, project, session_type, thread_id,
    api_requests, tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
SELECT bucket, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
    SUM(tokens_input), SUM(tokens_output), SUM(tokens_cache_creation), SUM(tokens_cache_read), SUM(cost_nanos)
FROM telemetry_events WHERE rowid > ? AND rowid <= ? AND event_name = '` + facts.EventAPIRequest + `'
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (bucket, model, project, session_type, thread_id) DO UPDATE SET
    api_requests = api_requests + excluded.api_requests,
    tokens_input = tokens_input + excluded.tokens_input,
    tokens_output = tokens_output + excluded.tokens_output,
    tokens_cache_creation = tokens_cache_creation + excluded.tokens_cache_creation,
    tokens_cache_read = tokens_cache_read + excluded.tokens_cache_read,
    cost_nanos = cost_nanos + excluded.cost_nanos`

// addInsertedSessionUsage is addInsertedUsage for session_usage_buckets.
const addInsertedSessionUsage = `INSERT INTO session_usage_buckets (bucket, session_id, model, project, session_type,
    thread_id, api_requests, tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos)
SELECT bucket, session_id, model, project, session_type,
    CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END, COUNT(*),
    SUM(tokens_input), SUM(tokens_output), SUM(tokens_cache_creation), SUM(tokens_cache_read), SUM(cost_nanos)
FROM telemetry_events WHERE rowid > ? AND rowid <= ? AND event_name = '` + facts.EventAPIRequest + `'
GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (bucket, session_id, model, project, session_type, thread_id) DO UPDATE SET
    api_requests = api_requests + excluded.api_requests,
    tokens_input = tokens_input + excluded.tokens_input,
    tokens_output = tokens_output + excluded.tokens_output,
    tokens_cache_creation = tokens_cache_creation + excluded.tokens_cache_creation,
    tokens_cache_read = tokens_cache_read + excluded.tokens_cache_read,
    cost_nanos = cost_nanos + excluded.cost_nanos`

// upsertEventsSQLite upserts the batch's telemetry_events rows and adds the
// API requests it inserted to usage_buckets and session_usage_buckets.
func (w *writer) upsertEventsSQLite(ctx context.Context, b *batch) error {
	if len(b.events) == 0 {
		return nil
	}
	last, err := w.queryInt64(ctx, maxEventRowid)
	if err != nil {
		return err
	}
	added := make(map[usageKey]*usageRow)
	var readBack [][2]int64 // rowid ranges (from, to]
	err = w.execRows(ctx, dialectSQLite, eventUpsert, len(b.events), b.eventArgs, func(dc any, start, rows int) error {
		maxRowid, err := w.queryInt64On(ctx, dc, maxEventRowid)
		if err != nil {
			return err
		}
		switch inserted := maxRowid - last; {
		case inserted == int64(rows):
			for i := start; i < start+rows; i++ {
				addUsage(added, &b.events[i])
			}
		case inserted > 0:
			readBack = append(readBack, [2]int64{last, maxRowid})
		}
		last = maxRowid
		return nil
	})
	if err != nil {
		return err
	}
	// added is keyed by session; usage_buckets sums it over the sessions.
	sessionRows := make([]usageRow, 0, len(added))
	byUsage := make(map[usageKey]*usageRow, len(added))
	for k, r := range added {
		sessionRows = append(sessionRows, *r)
		k.sessionID = ""
		u := byUsage[k]
		if u == nil {
			u = &usageRow{usageKey: k}
			byUsage[k] = u
		}
		u.add(r)
	}
	rows := make([]usageRow, 0, len(byUsage))
	for _, r := range byUsage {
		rows = append(rows, *r)
	}
	// Key order, like every other upsert.
	slices.SortFunc(rows, func(a, b usageRow) int { return compareUsageKeys(&a.usageKey, &b.usageKey) })
	slices.SortFunc(sessionRows, func(a, b usageRow) int { return compareUsageKeys(&a.usageKey, &b.usageKey) })
	if err := w.execRows(ctx, dialectSQLite, usageAdd, len(rows), func(i int, dst []any) []any { return rows[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, dialectSQLite, sessionUsageAdd, len(sessionRows),
		func(i int, dst []any) []any { return sessionRows[i].appendSessionArgs(dst) }, nil); err != nil {
		return err
	}
	for _, r := range readBack {
		if err := w.exec(ctx, addInsertedUsage, r[0], r[1]); err != nil {
			return fmt.Errorf("usage_buckets: %w", err)
		}
		if err := w.exec(ctx, addInsertedSessionUsage, r[0], r[1]); err != nil {
			return fmt.Errorf("session_usage_buckets: %w", err)
		}
	}
	return nil
}

// addUsage adds an inserted telemetry_events row to the per-session sums
// when it is an API request (Go twin of addInsertedSessionUsage).
func addUsage(into map[usageKey]*usageRow, e *eventRow) {
	if e.event != facts.EventAPIRequest {
		return
	}
	k := usageKey{bucket: e.bucket, sessionID: e.sessionID, model: e.model, project: e.project, stype: e.stype, threadID: e.rootID}
	if k.threadID == "" {
		k.threadID = e.sessionID
	}
	r := into[k]
	if r == nil {
		r = &usageRow{usageKey: k}
		into[k] = r
	}
	r.add(&usageRow{requests: 1, in: e.in, out: e.out, cacheCreate: e.cacheCreate, cacheRead: e.cacheRead, cost: e.costNanos})
}
