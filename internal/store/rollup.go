package store

import (
	"cmp"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"
)

// Rollup entry kinds.
const (
	RollupSum       = "sum"
	RollupHistogram = "histogram"
)

// RollupEntry is one calendar window of one metric and dimension set, as
// the rollup processor emits it: the window's absolute total so far. Writing
// an entry replaces the stored one with the same key (metric, period, tz,
// bucket start, resource and attributes), so writing it again — a replay, a
// retry, a duplicate delivery — changes nothing.
type RollupEntry struct {
	Metric string
	Unit   string
	Kind   string // RollupSum or RollupHistogram
	Period string // PeriodPoint, PeriodHourly, PeriodDaily or PeriodWeekly
	TZ     string // IANA name the window boundaries are computed in
	Start  time.Time
	End    time.Time // exclusive
	// Value is the sum (for a histogram: the sum of the observations).
	Value float64
	// Int is the exact integer value of an integer sum; nil otherwise.
	Int *int64
	// Count is a histogram's number of observations.
	Count uint64
	// Bounds and BucketCounts are a histogram's explicit buckets.
	Bounds       []float64
	BucketCounts []uint64
	// Resource and Attributes are the dimensions: the resource's and the
	// point's attributes, rendered as strings.
	Resource   map[string]string
	Attributes map[string]string
	// Observed is the time of the latest point in the window; an entry
	// never replaces one observed later (an out-of-order redelivery of an
	// older total).
	Observed time.Time
	// Since is where the processor's complete coverage of this metric and
	// period begins (zero: unknown, the entry adds no coverage).
	Since time.Time
	// Incomplete marks a window the processor saw a point for after it
	// had closed the window: the stored total misses that point, and the
	// window is recorded as a gap so queries read facts there. An
	// incomplete entry carries no value.
	Incomplete bool
	// Empty marks a window that no longer counts anything (the rollup
	// processor's logs mode moved its facts' kept copies to other windows):
	// the stored entry is removed, unless one observed later is stored, so
	// the window has no point, as in the fact-backed series. It still
	// counts toward coverage.
	Empty bool
}

// key is the entry's natural key, hashed: analytics_entity_links refers to it.
func (e *RollupEntry) key() string {
	h := sha256.New()
	res, _ := json.Marshal(e.Resource)
	attrs, _ := json.Marshal(e.Attributes)
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%s\x00%s", e.Metric, e.Period, e.TZ, e.Start.UnixMilli(), res, attrs)
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// metadataJSON describes the entry's dimensions; never empty.
func (e *RollupEntry) metadataJSON() string {
	res, attrs := e.Resource, e.Attributes
	if res == nil {
		res = map[string]string{}
	}
	if attrs == nil {
		attrs = map[string]string{}
	}
	b, _ := json.Marshal(struct {
		Metric     string            `json:"metric"`
		Unit       string            `json:"unit,omitempty"`
		Kind       string            `json:"kind"`
		Period     string            `json:"period"`
		TZ         string            `json:"tz"`
		Start      string            `json:"start"`
		End        string            `json:"end"`
		Resource   map[string]string `json:"resource"`
		Attributes map[string]string `json:"attributes"`
	}{e.Metric, e.Unit, e.Kind, e.Period, e.TZ, e.Start.UTC().Format(time.RFC3339), e.End.UTC().Format(time.RFC3339),
		res, attrs})
	return string(b)
}

func (e *RollupEntry) validate() error {
	switch {
	case e.Metric == "":
		return fmt.Errorf("rollup entry without a metric name")
	case e.Period != PeriodPoint && e.Period != PeriodHourly && e.Period != PeriodDaily && e.Period != PeriodWeekly:
		return fmt.Errorf("rollup entry %s: unknown period %q", e.Metric, e.Period)
	case e.Kind != RollupSum && e.Kind != RollupHistogram:
		return fmt.Errorf("rollup entry %s: unknown kind %q", e.Metric, e.Kind)
	case e.Start.IsZero() || e.End.Before(e.Start):
		return fmt.Errorf("rollup entry %s: bad window [%v, %v)", e.Metric, e.Start, e.End)
	case math.IsNaN(e.Value) || math.IsInf(e.Value, 0):
		return fmt.Errorf("rollup entry %s: value %v", e.Metric, e.Value)
	}
	return nil
}

var entryColumns = []string{
	"entry_key", "metric", "period", "tz", "bucket_start", "bucket_end", "kind", "unit",
	"value", "value_int", "value_count", "histogram_json", "metadata_json", "observed_at",
}

// entryUpsert replaces an entry, unless the stored one was observed later.
var entryUpsert = &upsert{
	table:   "analytics_entries",
	columns: entryColumns,
	conflict: "ON CONFLICT (entry_key) DO UPDATE SET\n    " + setExcluded(entryColumns) +
		"\nWHERE excluded.observed_at >= analytics_entries.observed_at",
	rowsPerStmt: 200,
}

// linkUpsert adds entity links; they are a function of the entry key.
var linkUpsert = &upsert{
	table:       "analytics_entity_links",
	columns:     []string{"entry_key", "entity_type", "entity_id"},
	conflict:    "ON CONFLICT (entry_key, entity_type, entity_id) DO NOTHING",
	rowsPerStmt: 500,
}

// coverageUpsert: the latest report of where coverage starts wins (a
// processor that lost its state reports a later start), the end only grows.
var coverageUpsert = &upsert{
	table:   "analytics_rollup_coverage",
	columns: []string{"metric", "period", "tz", "since_ms", "until_ms"},
	conflict: `ON CONFLICT (metric, period, tz) DO UPDATE SET
    since_ms = excluded.since_ms,
    until_ms = CASE WHEN excluded.until_ms > analytics_rollup_coverage.until_ms
        THEN excluded.until_ms ELSE analytics_rollup_coverage.until_ms END`,
	rowsPerStmt: 100,
}

var gapUpsert = &upsert{
	table:       "analytics_rollup_gaps",
	columns:     []string{"metric", "period", "tz", "bucket_start"},
	conflict:    "ON CONFLICT (metric, period, tz, bucket_start) DO NOTHING",
	rowsPerStmt: 200,
}

type entryRow struct {
	key, metric, period, tz, kind, unit, histogram, metadata string
	start, end, observed                                     int64
	value                                                    float64
	intValue                                                 any // nil or int64
	count                                                    int64
	empty                                                    bool // delete instead of upsert
}

func (r *entryRow) appendArgs(dst []any) []any {
	return append(dst, r.key, r.metric, r.period, r.tz, r.start, r.end, r.kind, r.unit,
		r.value, r.intValue, r.count, r.histogram, r.metadata, r.observed)
}

type coverageKey struct{ metric, period, tz string }

type coverageRow struct {
	coverageKey
	since, until int64
}

type gapRow struct {
	coverageKey
	start int64
}

// rollupBatch is one WriteRollups call folded into one row per key and
// table, in key order.
type rollupBatch struct {
	entries  []entryRow
	deletes  []entryRow // empty windows
	links    [][3]string
	coverage []coverageRow
	gaps     []gapRow
}

func newRollupBatch(entries []RollupEntry) (*rollupBatch, error) {
	byKey := make(map[string]int)
	b := &rollupBatch{}
	links := make(map[[3]string]struct{})
	cov := make(map[coverageKey]*coverageRow)
	gaps := make(map[gapRow]struct{})
	for i := range entries {
		e := &entries[i]
		if err := e.validate(); err != nil {
			return nil, err
		}
		ck := coverageKey{e.Metric, e.Period, e.TZ}
		if e.Incomplete {
			gaps[gapRow{ck, e.Start.UnixMilli()}] = struct{}{}
			continue
		}
		if !e.Since.IsZero() && e.Period != PeriodPoint {
			c := cov[ck]
			if c == nil {
				c = &coverageRow{coverageKey: ck, since: e.Since.UnixMilli()}
				cov[ck] = c
			}
			// Within one batch the last report of the start wins, as
			// across batches.
			c.since = e.Since.UnixMilli()
			c.until = max(c.until, e.End.UnixMilli())
		}
		r := entryRow{
			key: e.key(), metric: e.Metric, period: e.Period, tz: e.TZ, kind: e.Kind, unit: e.Unit,
			metadata: e.metadataJSON(), start: e.Start.UnixMilli(), end: e.End.UnixMilli(),
			observed: e.Observed.UnixMilli(), value: e.Value, count: int64(e.Count), empty: e.Empty,
		}
		if e.Int != nil {
			r.intValue = *e.Int
		}
		if e.Kind == RollupHistogram {
			h, _ := json.Marshal(struct {
				Bounds []float64 `json:"bounds"`
				Counts []uint64  `json:"counts"`
			}{nonNil(e.Bounds), nonNil(e.BucketCounts)})
			r.histogram = string(h)
		}
		// An exporter batch can hold several emissions of one window;
		// the latest observed wins (the later one on a tie), as in SQL.
		if j, ok := byKey[r.key]; ok {
			if r.observed >= b.entries[j].observed {
				b.entries[j] = r
			}
		} else {
			byKey[r.key] = len(b.entries)
			b.entries = append(b.entries, r)
		}
		if !e.Empty {
			for _, l := range entityLinks(e.Resource, e.Attributes) {
				links[[3]string{r.key, l[0], l[1]}] = struct{}{}
			}
		}
	}
	var kept []entryRow
	for _, r := range b.entries {
		if r.empty {
			b.deletes = append(b.deletes, r)
		} else {
			kept = append(kept, r)
		}
	}
	b.entries = kept
	slices.SortFunc(b.entries, func(x, y entryRow) int { return cmp.Compare(x.key, y.key) })
	slices.SortFunc(b.deletes, func(x, y entryRow) int { return cmp.Compare(x.key, y.key) })
	for l := range links {
		b.links = append(b.links, l)
	}
	slices.SortFunc(b.links, func(x, y [3]string) int {
		return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]), cmp.Compare(x[2], y[2]))
	})
	for _, c := range cov {
		b.coverage = append(b.coverage, *c)
	}
	slices.SortFunc(b.coverage, func(x, y coverageRow) int { return compareCoverage(x.coverageKey, y.coverageKey) })
	for g := range gaps {
		b.gaps = append(b.gaps, g)
	}
	slices.SortFunc(b.gaps, func(x, y gapRow) int {
		return cmp.Or(compareCoverage(x.coverageKey, y.coverageKey), cmp.Compare(x.start, y.start))
	})
	return b, nil
}

func compareCoverage(x, y coverageKey) int {
	return cmp.Or(cmp.Compare(x.metric, y.metric), cmp.Compare(x.period, y.period), cmp.Compare(x.tz, y.tz))
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// WriteRollups stores rollup entries in one transaction: analytics_entries
// (replacing entries with the same key), analytics_entity_links, and the
// coverage and gaps the API consults before answering from rollups. It is
// idempotent: writing the same entries again changes nothing.
func (s *Store) WriteRollups(ctx context.Context, entries []RollupEntry) error {
	if len(entries) == 0 {
		return nil
	}
	b, err := newRollupBatch(entries)
	if err != nil {
		return fmt.Errorf("store: write rollups: %w", err)
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	w, err := s.acquireWriter(ctx)
	if err != nil {
		return fmt.Errorf("store: write rollups: %w", err)
	}
	err = s.writeRollupTx(ctx, w, b)
	if err != nil || !s.pinWriter {
		s.releaseWriter()
	}
	return err
}

func (s *Store) writeRollupTx(ctx context.Context, w *writer, b *rollupBatch) error {
	tx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: write rollups: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == dialectPostgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", writeLockKey); err != nil {
			return fmt.Errorf("store: write rollups: lock: %w", err)
		}
	}
	d := s.dialect
	steps := []struct {
		u    *upsert
		n    int
		args func(i int, dst []any) []any
	}{
		{entryUpsert, len(b.entries), func(i int, dst []any) []any { return b.entries[i].appendArgs(dst) }},
		{linkUpsert, len(b.links), func(i int, dst []any) []any {
			return append(dst, b.links[i][0], b.links[i][1], b.links[i][2])
		}},
		{coverageUpsert, len(b.coverage), func(i int, dst []any) []any {
			c := &b.coverage[i]
			return append(dst, c.metric, c.period, c.tz, c.since, c.until)
		}},
		{gapUpsert, len(b.gaps), func(i int, dst []any) []any {
			g := &b.gaps[i]
			return append(dst, g.metric, g.period, g.tz, g.start)
		}},
	}
	for _, st := range steps {
		if err := w.execRows(ctx, d, st.u, st.n, st.args, nil); err != nil {
			return fmt.Errorf("store: write rollups: %w", err)
		}
	}
	// Empty windows: rare (a fact's kept copy moved to another window), so
	// one statement each.
	for _, r := range b.deletes {
		if _, err := tx.ExecContext(ctx, d.rebind("DELETE FROM analytics_entries WHERE entry_key = ? AND observed_at <= ?"),
			r.key, r.observed); err != nil {
			return fmt.Errorf("store: write rollups: delete empty window: %w", err)
		}
		if _, err := tx.ExecContext(ctx, d.rebind("DELETE FROM analytics_entity_links WHERE entry_key = ? "+
			"AND NOT EXISTS (SELECT 1 FROM analytics_entries WHERE entry_key = ?)"), r.key, r.key); err != nil {
			return fmt.Errorf("store: write rollups: delete empty window: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: write rollups: commit: %w", err)
	}
	return nil
}

// RollupCount returns the number of stored rollup entries of a metric and
// period (all metrics or periods when empty); for tests and diagnostics.
func (s *Store) RollupCount(ctx context.Context, metric, period string) (int64, error) {
	var n sql.NullInt64
	err := s.db.QueryRowContext(ctx, s.dialect.rebind(
		"SELECT COUNT(*) FROM analytics_entries WHERE (CAST(? AS TEXT) = '' OR metric = ?) "+
			"AND (CAST(? AS TEXT) = '' OR period = ?)"),
		metric, metric, period, period).Scan(&n)
	return n.Int64, err
}
