package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
)

// nativePre is what the native step reads before the batch's events are
// upserted.
type nativePre struct {
	// active: native API requests exist (stored or in this batch). Without
	// any there is nothing to reconcile, and transcript-only stores pay one
	// indexed probe per batch that carries API requests.
	active bool
	// oldRequests are the request ids carried by the stored copies of the
	// batch's API keys before the batch: a copy replaced by one with another
	// request id gives its old request back to the native row, if any.
	oldRequests []string
}

// nativeBefore runs inside Write's transaction before the events upsert.
func (s *Store) nativeBefore(ctx context.Context, tx *sql.Tx, b *batch) (nativePre, error) {
	var p nativePre
	nb := b.native
	if nb == nil || len(nb.requests) == 0 {
		return p, nil
	}
	p.active = nb.nativeAPI
	if !p.active {
		var one int
		// A primary-key range probe: native api_request keys share a prefix
		// (';' follows ':' in byte order).
		prefix := native.RequestKey("")
		err := tx.QueryRowContext(ctx, s.dialect.rebind("SELECT 1 FROM native_events WHERE native_key >= ? AND native_key < ? LIMIT 1"),
			prefix, prefix[:len(prefix)-1]+";").Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return p, nil
		}
		if err != nil {
			return p, fmt.Errorf("native: %w", err)
		}
		p.active = true
	}
	err := inChunks(dedupe(nb.apiKeys), func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, s.dialect.rebind("SELECT payload_json FROM telemetry_events WHERE fact_key IN ("+
			placeholders(len(chunk))+")"), chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var payload string
			if err := rows.Scan(&payload); err != nil {
				return err
			}
			if id := requestIDOf(payload); id != "" {
				p.oldRequests = append(p.oldRequests, id)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return p, fmt.Errorf("native: stored request ids: %w", err)
	}
	return p, nil
}

func requestIDOf(payload string) string {
	var v struct {
		RequestID string `json:"request_id"`
	}
	_ = json.Unmarshal([]byte(payload), &v) // payload_json is always an object written by payloadJSON
	return v.RequestID
}

// nativeAfter runs inside Write's transaction after the batch's events and
// sessions are upserted: it stores the native events, the sessions' hosts,
// and re-establishes the counting rule (native.go) for every request whose
// counting the batch may have changed. Sessions whose totals may change are
// added to touched.
func (s *Store) nativeAfter(ctx context.Context, w *writer, tx *sql.Tx, b *batch, p nativePre, touched map[string]struct{}) error {
	nb := b.native
	if nb == nil {
		return nil
	}
	d := s.dialect
	if err := w.execRows(ctx, d, nativeUpsert, len(nb.rows), func(i int, dst []any) []any { return nb.rows[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := setSessionHosts(ctx, tx, d, nb.hosts); err != nil {
		return err
	}
	if !p.active {
		return nil
	}

	keys := make(map[string]struct{}, len(nb.requests)+len(p.oldRequests))
	for _, id := range nb.requests {
		keys[native.RequestKey(id)] = struct{}{}
	}
	for _, id := range p.oldRequests {
		keys[native.RequestKey(id)] = struct{}{}
	}
	requests, err := loadNativeRequests(ctx, tx, d, sortedSet(keys))
	if err != nil {
		return err
	}
	var keep []eventRow
	var drop []string
	for i := range requests {
		r := &requests[i]
		copied, err := hasTranscriptCopy(ctx, tx, d, r.joinKey, r.occurredAt)
		if err != nil {
			return err
		}
		if copied {
			drop = append(drop, r.key)
		} else {
			f := r.usageFact()
			keep = append(keep, newEventRow(&f))
		}
		touched[r.sessionID] = struct{}{}
	}
	if d == dialectSQLite {
		// The SQLite path also adds inserted rows to usage_buckets.
		if err := w.upsertEventsSQLite(ctx, &batch{events: keep}); err != nil {
			return err
		}
	} else if err := w.execRows(ctx, d, eventUpsert, len(keep), func(i int, dst []any) []any { return keep[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	// The delete triggers take the rows out of usage_buckets.
	return inChunks(drop, func(chunk []any) error {
		_, err := tx.ExecContext(ctx, d.rebind("DELETE FROM telemetry_events WHERE fact_key IN ("+placeholders(len(chunk))+")"), chunk...)
		return err
	})
}

// loadNativeRequests reads the native api_request rows among keys, in key
// order, with the columns their usage row is built from.
func loadNativeRequests(ctx context.Context, tx *sql.Tx, d dialect, keys []string) ([]nativeRow, error) {
	var out []nativeRow
	err := inChunks(keys, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT native_key, join_key, occurred_at, session_id, version,
    model, speed, tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read,
    cost_nanos, status, native_duration_ms, payload_json
FROM native_events WHERE event_name = '`+facts.EventAPIRequest+`' AND native_key IN (`+placeholders(len(chunk))+`)`), chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r nativeRow
			if err := rows.Scan(&r.key, &r.joinKey, &r.occurredAt, &r.sessionID, &r.version,
				&r.model, &r.speed, &r.in, &r.out, &r.cacheCreate, &r.cacheRead,
				&r.cost, &r.status, &r.nativeDuration, &r.payload); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("native: load requests: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// transcriptCopyQuery finds a stored transcript API request carrying a
// request id near a time. payload_json is written by payloadJSON, so the
// request id appears exactly as the needle "request_id":"<id>" (closing
// quote included: no prefix matches).
func transcriptCopyQuery(d dialect) string {
	contains := "instr(payload_json, ?) > 0"
	if d == dialectPostgres {
		contains = "strpos(payload_json, ?) > 0"
	}
	return d.rebind(`SELECT fact_key FROM telemetry_events
WHERE event_name = '` + facts.EventAPIRequest + `' AND occurred_at BETWEEN ? AND ?
    AND substr(fact_key, 1, ` + fmt.Sprint(len(native.KeyPrefix)) + `) <> '` + native.KeyPrefix + `' AND ` + contains + `
ORDER BY fact_key LIMIT 1`)
}

func requestNeedle(requestID string) string {
	return `"request_id":` + string(appendJSONString(nil, requestID))
}

// transcriptCopy returns the fact key of the stored transcript copy of the
// request, "" if there is none.
func transcriptCopy(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, d dialect, requestID string, atMs int64) (string, error) {
	if requestID == "" {
		return "", nil
	}
	window := nativeMatchWindow.Milliseconds()
	var key string
	err := q.QueryRowContext(ctx, transcriptCopyQuery(d), atMs-window, atMs+window, requestNeedle(requestID)).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("native: transcript copy: %w", err)
	}
	return key, nil
}

func hasTranscriptCopy(ctx context.Context, tx *sql.Tx, d dialect, requestID string, atMs int64) (bool, error) {
	key, err := transcriptCopy(ctx, tx, d, requestID, atMs)
	return key != "", err
}

// setSessionHosts records the host.name of the sessions. Sessions read on
// several hosts (the same history synced to two machines) keep the smallest
// name, so the result does not depend on arrival order.
func setSessionHosts(ctx context.Context, tx *sql.Tx, d dialect, hosts map[string]string) error {
	if len(hosts) == 0 {
		return nil
	}
	byHost := map[string][]string{}
	for id, h := range hosts {
		byHost[h] = append(byHost[h], id)
	}
	for _, h := range sortedKeys(byHost) {
		ids := byHost[h]
		sort.Strings(ids)
		err := inChunks(ids, func(chunk []any) error {
			args := append([]any{h, h}, chunk...)
			_, err := tx.ExecContext(ctx, d.rebind("UPDATE sessions SET host = ? WHERE (host = '' OR host > ?) AND session_id IN ("+
				placeholders(len(chunk))+")"), args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("session hosts: %w", err)
		}
	}
	return nil
}
