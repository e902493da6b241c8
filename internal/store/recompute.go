package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// maxDepth bounds parent-chain walks (Claude Code has been seen nesting
// subagents 79 deep; a cycle in bad data must not loop forever).
const maxDepth = 1000

type sessionTotals struct {
	apiRequests, in, out, cacheCreate, cacheCreate1h, cacheRead, cost int64
	toolCalls, toolErrors                                             int64
}

// recompute sets the derived columns of the given sessions from the stored
// facts: token and cost totals from telemetry_events, tool counts from
// tool_calls, session_tool_usage rows and depth. Recomputing (instead of
// adding deltas) is what keeps these exact under replays and replacements.
func recompute(ctx context.Context, tx *sql.Tx, d dialect, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	totals := make(map[string]*sessionTotals, len(ids))
	for _, id := range ids {
		totals[id] = &sessionTotals{}
	}
	err := inChunks(ids, func(chunk []any) error {
		in := "(" + placeholders(len(chunk)) + ")"
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT session_id, COUNT(*),
    CAST(COALESCE(SUM(tokens_input), 0) AS BIGINT), CAST(COALESCE(SUM(tokens_output), 0) AS BIGINT),
    CAST(COALESCE(SUM(tokens_cache_creation), 0) AS BIGINT), CAST(COALESCE(SUM(tokens_cache_creation_1h), 0) AS BIGINT),
    CAST(COALESCE(SUM(tokens_cache_read), 0) AS BIGINT), CAST(COALESCE(SUM(cost_nanos), 0) AS BIGINT)
FROM telemetry_events WHERE `+eventIs(facts.EventAPIRequest)+` AND session_id IN `+in+` GROUP BY session_id`), chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var t sessionTotals
			if err := rows.Scan(&id, &t.apiRequests, &t.in, &t.out, &t.cacheCreate, &t.cacheCreate1h, &t.cacheRead, &t.cost); err != nil {
				rows.Close()
				return err
			}
			*totals[id] = t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		rows, err = tx.QueryContext(ctx, d.rebind(`SELECT session_id, COUNT(*),
    CAST(COALESCE(SUM(CASE WHEN is_error = 1 THEN 1 ELSE 0 END), 0) AS BIGINT)
FROM tool_calls WHERE session_id IN `+in+` GROUP BY session_id`), chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			var calls, errs int64
			if err := rows.Scan(&id, &calls, &errs); err != nil {
				rows.Close()
				return err
			}
			totals[id].toolCalls, totals[id].toolErrors = calls, errs
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		if _, err := tx.ExecContext(ctx, d.rebind("DELETE FROM session_tool_usage WHERE session_id IN "+in), chunk...); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, d.rebind(`INSERT INTO session_tool_usage
    (session_id, tool_name, call_count, success_count, error_count, total_ms)
SELECT session_id, tool_name, COUNT(*),
    CAST(COALESCE(SUM(CASE WHEN is_error = 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN is_error = 1 THEN 1 ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(duration_ms), 0) AS BIGINT)
FROM tool_calls WHERE session_id IN `+in+` GROUP BY session_id, tool_name`), chunk...)
		return err
	})
	if err != nil {
		return fmt.Errorf("recompute totals: %w", err)
	}

	stmt, err := tx.PrepareContext(ctx, d.rebind(`UPDATE sessions SET api_requests = ?,
    tokens_input = ?, tokens_output = ?, tokens_cache_creation = ?, tokens_cache_creation_1h = ?,
    tokens_cache_read = ?, cost_nanos = ?, tool_calls = ?, tool_errors = ?
WHERE session_id = ?`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range ids {
		t := totals[id]
		if _, err := stmt.ExecContext(ctx, t.apiRequests, t.in, t.out, t.cacheCreate, t.cacheCreate1h,
			t.cacheRead, t.cost, t.toolCalls, t.toolErrors, id); err != nil {
			return fmt.Errorf("recompute: update session: %w", err)
		}
	}
	if err := recomputeDepth(ctx, tx, d, ids); err != nil {
		return fmt.Errorf("recompute depth: %w", err)
	}
	return nil
}

type sessionLink struct {
	parent string
	depth  int64
}

// recomputeDepth sets depth (0 = top level, 1 = subagent of a top-level
// session, ...) for the touched sessions and every session sharing a root
// with them, since a new parent link changes the depth of all descendants.
// A parent with no sessions row still counts as one level.
func recomputeDepth(ctx context.Context, tx *sql.Tx, d dialect, ids []string) error {
	roots := make(map[string]struct{}, len(ids))
	links := make(map[string]sessionLink, len(ids))
	load := func(query string, keys []string) error {
		return inChunks(keys, func(chunk []any) error {
			rows, err := tx.QueryContext(ctx, d.rebind(query+" ("+placeholders(len(chunk))+")"), chunk...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id, parent, root string
				var depth int64
				if err := rows.Scan(&id, &parent, &root, &depth); err != nil {
					return err
				}
				links[id] = sessionLink{parent: parent, depth: depth}
				if root == "" {
					root = id
				}
				roots[root] = struct{}{}
			}
			return rows.Err()
		})
	}
	const cols = "SELECT session_id, parent_session_id, root_session_id, depth FROM sessions WHERE "
	if err := load(cols+"session_id IN", ids); err != nil {
		return err
	}
	rootList := sortedKeys(roots)
	if err := load(cols+"root_session_id IN", rootList); err != nil {
		return err
	}
	if err := load(cols+"session_id IN", rootList); err != nil {
		return err
	}
	// Parents outside the loaded roots (inconsistent root ids): fetch them
	// level by level so the walk below sees whole chains.
	for level := 0; level < maxDepth; level++ {
		var missing []string
		for _, l := range links {
			if _, ok := links[l.parent]; l.parent != "" && !ok {
				missing = append(missing, l.parent)
			}
		}
		if len(missing) == 0 {
			break
		}
		before := len(links)
		if err := load(cols+"session_id IN", dedupe(missing)); err != nil {
			return err
		}
		if len(links) == before {
			break
		}
	}

	stmt, err := tx.PrepareContext(ctx, d.rebind("UPDATE sessions SET depth = ? WHERE session_id = ?"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, id := range sortedKeys(links) {
		depth := int64(0)
		for cur, n := links[id], 0; cur.parent != "" && n < maxDepth; n++ {
			depth++
			next, ok := links[cur.parent]
			if !ok {
				break
			}
			cur = next
		}
		if depth != links[id].depth {
			if _, err := stmt.ExecContext(ctx, depth, id); err != nil {
				return err
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func dedupe(xs []string) []string {
	seen := make(map[string]struct{}, len(xs))
	for _, x := range xs {
		seen[x] = struct{}{}
	}
	return sortedKeys(seen)
}
