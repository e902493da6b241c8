package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// linkRow is one entity_links row: an association found by the correlation
// processor (a ccdash.link fact).
type linkRow struct {
	fromType, fromID, toType, toID string
	confidence                     float64
	source                         string
	ambiguity                      float64
	firstSeen                      int64
}

func (r *linkRow) key() [4]string { return [4]string{r.fromType, r.fromID, r.toType, r.toID} }

// better reports whether r's evidence beats old's: the higher confidence,
// then explicit over inferred, then the larger ambiguity share (the less
// ambiguous evidence). It is the Go twin of entityLinkBetterSQL, so the kept
// evidence does not depend on arrival order.
func (r *linkRow) better(old *linkRow) bool {
	if r.confidence != old.confidence {
		return r.confidence > old.confidence
	}
	re, oe := r.source == facts.LinkExplicit, old.source == facts.LinkExplicit
	if re != oe {
		return re
	}
	if r.source != old.source {
		return r.source > old.source
	}
	return r.ambiguity > old.ambiguity
}

// newLinkRows folds the batch's link facts into one row per (from, to) in
// key order.
func newLinkRows(fs []facts.Fact) []linkRow {
	var rows map[[4]string]linkRow
	for i := range fs {
		f := &fs[i]
		if f.Event != facts.EventLink || f.LinkFromType == "" || f.LinkFromID == "" || f.LinkToType == "" || f.LinkToID == "" {
			continue
		}
		r := linkRow{
			fromType: f.LinkFromType, fromID: f.LinkFromID, toType: f.LinkToType, toID: f.LinkToID,
			confidence: clamp01(f.Confidence), source: f.LinkSource, ambiguity: clamp01(f.Ambiguity),
			firstSeen: unixMs(f.Time),
		}
		if r.ambiguity == 0 {
			r.ambiguity = 1
		}
		if rows == nil {
			rows = make(map[[4]string]linkRow)
		}
		old, ok := rows[r.key()]
		if !ok {
			rows[r.key()] = r
			continue
		}
		first := min(old.firstSeen, r.firstSeen)
		if r.better(&old) {
			old = r
		}
		old.firstSeen = first
		rows[r.key()] = old
	}
	out := make([]linkRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b linkRow) int {
		ka, kb := a.key(), b.key()
		return slices.Compare(ka[:], kb[:])
	})
	return out
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

var entityLinkColumns = []string{"from_type", "from_id", "to_type", "to_id", "confidence", "source", "ambiguity", "first_seen_ms"}

// entityLinkBetterSQL is linkRow.better with excluded = r, entity_links = old.
const entityLinkBetterSQL = `(excluded.confidence > entity_links.confidence
        OR (excluded.confidence = entity_links.confidence AND (
            (excluded.source = '` + facts.LinkExplicit + `' AND entity_links.source <> '` + facts.LinkExplicit + `')
            OR ((excluded.source = '` + facts.LinkExplicit + `') = (entity_links.source = '` + facts.LinkExplicit + `') AND (
                excluded.source > entity_links.source
                OR (excluded.source = entity_links.source AND excluded.ambiguity > entity_links.ambiguity))))))`

// entityLinkUpsert keeps the best evidence and the earliest time; a replay
// matches neither condition and writes nothing.
var entityLinkUpsert = func() *upsert {
	pick := func(c string) string {
		return fmt.Sprintf("%[1]s = CASE WHEN %[2]s THEN excluded.%[1]s ELSE entity_links.%[1]s END", c, entityLinkBetterSQL)
	}
	sets := []string{
		pick("confidence"), pick("source"), pick("ambiguity"),
		"first_seen_ms = CASE WHEN excluded.first_seen_ms < entity_links.first_seen_ms THEN excluded.first_seen_ms ELSE entity_links.first_seen_ms END",
	}
	return &upsert{
		table:   "entity_links",
		columns: entityLinkColumns,
		conflict: "ON CONFLICT (from_type, from_id, to_type, to_id) DO UPDATE SET\n    " + strings.Join(sets, ",\n    ") +
			"\nWHERE " + entityLinkBetterSQL + " OR excluded.first_seen_ms < entity_links.first_seen_ms",
		rowsPerStmt: 300,
	}
}()

func (r *linkRow) appendArgs(dst []any) []any {
	return append(dst, r.fromType, r.fromID, r.toType, r.toID, r.confidence, r.source, r.ambiguity, r.firstSeen)
}

// writeLinks upserts the batch's links (inside Write's transaction).
func (w *writer) writeLinks(ctx context.Context, d dialect, b *batch) error {
	if err := w.execRows(ctx, d, entityLinkUpsert, len(b.links), func(i int, dst []any) []any { return b.links[i].appendArgs(dst) }, nil); err != nil {
		return fmt.Errorf("links: %w", err)
	}
	return nil
}

// Link is one stored entity link.
type Link struct {
	FromType    string  `json:"from_type"`
	FromID      string  `json:"from_id"`
	ToType      string  `json:"to_type"`
	ToID        string  `json:"to_id"`
	Confidence  float64 `json:"confidence"`
	Source      string  `json:"source"`
	Ambiguity   float64 `json:"ambiguity"`
	FirstSeenMs int64   `json:"first_seen_ms"`
}

// Links returns every stored link in key order.
func (s *Store) Links(ctx context.Context) ([]Link, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT from_type, from_id, to_type, to_id, confidence, source, ambiguity, first_seen_ms
FROM entity_links ORDER BY from_type, from_id, to_type, to_id`)
	if err != nil {
		return nil, fmt.Errorf("store: links: %w", err)
	}
	defer rows.Close()
	var out []Link
	for rows.Next() {
		var l Link
		if err := rows.Scan(&l.FromType, &l.FromID, &l.ToType, &l.ToID, &l.Confidence, &l.Source, &l.Ambiguity, &l.FirstSeenMs); err != nil {
			return nil, fmt.Errorf("store: links: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: links: %w", err)
	}
	return out, nil
}
