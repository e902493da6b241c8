package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Filters restrict a query to rows whose dimension has one of the listed
// values: values of one dimension are OR-ed, dimensions AND-ed. Keys are
// dimension names (AllDimensions).
//
// A filter on a dimension the metric's rows carry (Dimensions(metric))
// selects rows. A filter on another dimension selects the rows of the
// sessions that have a matching fact: tool=Bash on cost_usd is the cost of
// the sessions that called Bash, model=... on tool_calls the tool calls of
// the sessions that used that model. Feature and task filters select the
// threads (root session and its subagents) linked to the feature or task.
type Filters map[string][]string

// Validate checks dimension names and values; the error is a *QueryError
// naming the dimension.
func (f Filters) Validate() error { return f.validate() }

func (f Filters) validate() error {
	for _, d := range sortedKeys(f) {
		if _, ok := dimExprs[d]; !ok {
			return queryErrorf(d, "unknown filter (one of %s)", strings.Join(AllDimensions(), ", "))
		}
		if len(f[d]) == 0 {
			return queryErrorf(d, "empty filter value")
		}
		for _, v := range f[d] {
			if v == "" {
				return queryErrorf(d, "empty filter value")
			}
		}
	}
	return nil
}

// timeMode is what an aggregate reports per row besides the groups.
type timeMode int

const (
	timeNone   timeMode = iota // totals over the window
	timeBucket                 // per 15-minute bucket (unix seconds)
	timePoint                  // per event time (unix ms)
)

// aggQuery is one metric aggregated over a window by groups, optionally per
// time step: the common core of Series, Breakdown, Overview and alerts.
type aggQuery struct {
	m          metricDef
	groupBy    []string
	filters    Filters
	start, end time.Time
	time       timeMode
	// also are more metrics of m's source summed in the same pass, into
	// aggRow.also (summed metrics only).
	also []string
	// byThread groups by the row's thread (root session, else session; ""
	// without one) as well, into aggRow.thread (summed metrics only): the
	// distinct sessions and active time of the rows come out of the same
	// pass as their sums.
	byThread bool
}

// aggRow is one result row: the time step (0 for timeNone), the group
// values in groupBy order, and the value (sums) or member (distinct counts;
// the caller counts distinct members).
type aggRow struct {
	at     int64
	dims   []string
	thread string
	value  int64
	member sql.NullString
	also   []int64
}

// rowValue is the per-row value each summed metric adds up, over "r".
var rowValue = map[string]string{
	MetricTokensInput:         "r.tokens_input",
	MetricTokensOutput:        "r.tokens_output",
	MetricTokensCacheCreation: "r.tokens_cache_creation",
	MetricTokensCacheRead:     "r.tokens_cache_read",
	MetricTokensTotal:         "r.tokens_input + r.tokens_output + r.tokens_cache_creation + r.tokens_cache_read",
	MetricCostUSD:             "r.cost_nanos",
}

// alsoValue is what an aggQuery.also metric adds up per row: rowValue, and
// for tool_errors beside tool_calls the rows' error flag (tool rows only:
// one pass over the tool calls gives both counts).
func alsoValue(id string) string {
	if id == MetricToolErrors {
		return "r.errors"
	}
	return rowValue[id]
}

// validateGroupBy checks group_by against the metric's row dimensions.
func validateGroupBy(m metricDef, groupBy []string) error {
	seen := make(map[string]bool, len(groupBy))
	for _, d := range groupBy {
		if !hasRowDim(m.src, d) {
			return queryErrorf("group_by", "metric %s cannot be grouped by %q (supported: %s)",
				m.id, d, strings.Join(Dimensions(m.id), ", "))
		}
		if seen[d] {
			return queryErrorf("group_by", "dimension %q given twice", d)
		}
		seen[d] = true
	}
	return nil
}

// aggregate runs q and calls fn per result row (order unspecified).
func (s *Store) aggregate(ctx context.Context, q aggQuery, fn func(aggRow)) error {
	if err := q.filters.validate(); err != nil {
		return err
	}
	if err := validateGroupBy(q.m, q.groupBy); err != nil {
		return err
	}
	used := make(map[string]bool)
	for _, d := range q.groupBy {
		used[d] = true
	}
	for d := range q.filters {
		used[d] = true
	}
	if used[DimFeature] || used[DimTask] {
		ok, err := s.hasTable(ctx, "entity_links")
		if err != nil {
			return err
		}
		if !ok {
			param := DimFeature
			if !used[DimFeature] {
				param = DimTask
			}
			if contains(q.groupBy, param) {
				param = "group_by"
			}
			return queryErrorf(param, "feature and task need correlation data (the entity_links table), which this store does not have yet")
		}
	}
	// Tool calls carry no thread: it takes a join with sessions per call,
	// which a feature or task filter can do without (threadSessions).
	needThread := q.m.distinct || contains(q.groupBy, DimFeature) || contains(q.groupBy, DimTask) ||
		(q.m.src != srcTools && (used[DimFeature] || used[DimTask])) || q.byThread

	// fast: the API rows come from usage_buckets, or from
	// session_usage_buckets (bySession) when a dimension selects sessions.
	fast := q.m.src == srcAPI && !s.eventsOnly && q.time != timePoint
	bySession := false
	for d := range used {
		switch {
		case usageDims[d]:
		case sessionUsageDims[d]:
			bySession = true
		default:
			fast = false
		}
	}
	bySession = bySession && fast
	inner, args := s.innerRows(q, fast, bySession, needThread)

	var sel, group []string
	switch q.time {
	case timeBucket:
		sel = append(sel, "r.bucket")
	case timePoint:
		sel = append(sel, "r.at_ms")
	}
	group = append(group, sel...)
	// Feature and task groups are resolved in Go: SQL groups by thread, and
	// each thread's row is then counted under every feature (task) linked
	// to it, "" when none. A join with the links in SQL was a nested scan
	// per row on SQLite (no index on a derived table), seconds on 1M facts.
	links := make(map[int]map[string][]string)
	for i, d := range q.groupBy {
		expr := dimExprs[d]
		if d == DimFeature || d == DimTask {
			m, err := s.threadLinks(ctx, d)
			if err != nil {
				return err
			}
			links[i], expr = m, "r.thread"
		}
		sel = append(sel, expr)
		group = append(group, expr)
	}
	if q.byThread && !q.m.distinct {
		sel = append(sel, "r.thread")
		group = append(group, "r.thread")
	}
	conds, fargs := s.filterConds(q.filters, needThread, func(d string) bool {
		return hasRowDim(q.m.src, d) || (fast && usageDims[d])
	})
	where := []string{"1 = 1" + conds}
	args = append(args, fargs...)
	from := "(" + inner + ") r"
	count := "1" // what a row counts for count metrics
	// Session attributes (agent type, host) to group by come from the row's
	// session. Sums are first summed per session and the other group
	// columns, so the join looks up a session per group, not per row
	// (a quarter less time on 1M facts).
	if contains(q.groupBy, DimAgent) || contains(q.groupBy, DimHost) {
		if !q.m.distinct {
			from, count = "("+perSession(q, inner, where)+") r", "r.n"
			where = []string{"1 = 1"}
		}
		from += " LEFT JOIN sessions sa ON sa.session_id = r.session_id"
	}
	if q.m.distinct {
		sel = append(sel, "CASE WHEN r.thread <> '' THEN r.thread END")
	} else {
		expr, ok := rowValue[q.m.id]
		if !ok {
			expr = count
		}
		sel = append(sel, sumOf(expr))
		for _, id := range q.also {
			sel = append(sel, sumOf(alsoValue(id)))
		}
	}
	query := "SELECT "
	if q.m.distinct {
		query += "DISTINCT "
	}
	query += strings.Join(sel, ", ") + " FROM " + from + " WHERE " + strings.Join(where, " AND ")
	if !q.m.distinct && len(group) > 0 {
		query += " GROUP BY " + strings.Join(group, ", ")
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", q.m.id, err)
	}
	defer rows.Close()
	var r aggRow
	r.dims = make([]string, len(q.groupBy))
	dest := make([]any, 0, len(q.groupBy)+2)
	if q.time != timeNone {
		dest = append(dest, &r.at)
	}
	for i := range r.dims {
		dest = append(dest, &r.dims[i])
	}
	if q.byThread && !q.m.distinct {
		dest = append(dest, &r.thread)
	}
	if q.m.distinct {
		dest = append(dest, &r.member)
	} else {
		dest = append(dest, &r.value)
		r.also = make([]int64, len(q.also))
		for i := range r.also {
			dest = append(dest, &r.also[i])
		}
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("store: %s: %w", q.m.id, err)
		}
		if len(links) == 0 {
			fn(r)
			continue
		}
		expandLinks(r, links, 0, fn)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: %s: %w", q.m.id, err)
	}
	return nil
}

// rowColumns of "r" each dimension's expression reads (agent and host read
// the sessions join instead).
var dimColumns = map[string]string{
	DimModel: "model", DimModelFamily: "model", DimProject: "project", DimSessionType: "session_type",
	DimTool: "tool", DimSkill: "skill", DimFeature: "thread", DimTask: "thread",
}

// perSession is the rows of inner that pass where, summed per session and
// the columns q's time step and groups read: the summed columns of
// rowColumns plus n, the number of rows.
func perSession(q aggQuery, inner string, where []string) string {
	cols := []string{"session_id"}
	switch q.time {
	case timeBucket:
		cols = append(cols, "bucket")
	case timePoint:
		cols = append(cols, "at_ms")
	}
	for _, d := range q.groupBy {
		if c, ok := dimColumns[d]; ok && !contains(cols, c) {
			cols = append(cols, c)
		}
	}
	if q.byThread && !contains(cols, "thread") {
		cols = append(cols, "thread")
	}
	sel := make([]string, 0, len(cols)+6)
	group := make([]string, 0, len(cols))
	for _, c := range cols {
		sel = append(sel, "r."+c+" AS "+c)
		group = append(group, "r."+c)
	}
	for _, c := range []string{"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_read", "cost_nanos"} {
		sel = append(sel, "SUM(r."+c+") AS "+c)
	}
	sel = append(sel, "COUNT(*) AS n")
	return "SELECT " + strings.Join(sel, ", ") + " FROM (" + inner + ") r WHERE " + strings.Join(where, " AND ") +
		" GROUP BY " + strings.Join(group, ", ")
}

// expandLinks calls fn once per combination of the linked ids of the
// thread-valued dims (positions in links) from position i on.
func expandLinks(r aggRow, links map[int]map[string][]string, i int, fn func(aggRow)) {
	for ; i < len(r.dims); i++ {
		if m, ok := links[i]; ok {
			ids := m[r.dims[i]]
			if len(ids) == 0 {
				ids = []string{""}
			}
			for _, id := range ids {
				c := r
				c.dims = append([]string(nil), r.dims...)
				c.dims[i] = id
				expandLinks(c, links, i+1, fn)
			}
			return
		}
	}
	fn(r)
}

// threadLinks maps each thread to the ids of the features (tasks) linked
// to it, each once.
func (s *Store) threadLinks(ctx context.Context, entity string) (map[string][]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT from_id, thread FROM "+linksTable(entity)+" lk")
	if err != nil {
		return nil, fmt.Errorf("store: links: %w", err)
	}
	out := make(map[string][]string)
	for rows.Next() {
		var id, thread string
		if err := rows.Scan(&id, &thread); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: links: %w", err)
		}
		out[thread] = append(out[thread], id)
	}
	return out, closeRows(rows)
}

// threadKeySQL is the thread key (root session, else session) of a row with
// root_session_id and session_id columns.
const threadKeySQL = "CASE WHEN root_session_id <> '' THEN root_session_id ELSE session_id END"

// rowColumns is the uniform row set every aggregate reads as "r".
const rowColumns = "bucket, at_ms, model, project, session_type, session_id, thread, tool, skill, " +
	"tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos"

// innerRows returns the SELECT of the metric's rows over the window with
// rowColumns, and its arguments. fast: API metrics read usage_buckets
// (through source, whole buckets plus partial ones) instead of requests;
// bySession: session_usage_buckets, whose rows have their session.
func (s *Store) innerRows(q aggQuery, fast, bySession, needThread bool) (string, []any) {
	m := q.m
	if fast {
		src := s.usageSource(m, q.start, q.end, bySession)
		session := "'' AS session_id"
		if bySession {
			session = "session_id"
		}
		return "SELECT bucket, 0 AS at_ms, model, project, session_type, " + session + ", " +
			"COALESCE(" + src.member + ", '') AS thread, '' AS tool, '' AS skill, " +
			"tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos" +
			" FROM " + src.from + " WHERE " + src.where, src.args
	}
	const zeros = "0 AS tokens_input, 0 AS tokens_output, 0 AS tokens_cache_creation, 0 AS tokens_cache_read, 0 AS cost_nanos"
	switch m.src {
	case srcTools:
		thread, join := "'' AS thread", ""
		if needThread {
			thread = "CASE WHEN ts.root_session_id <> '' THEN ts.root_session_id ELSE t.session_id END AS thread"
			join = " LEFT JOIN sessions ts ON ts.session_id = t.session_id"
		}
		where := "1 = 1"
		if m.where != "" {
			where = "t." + m.where
		}
		where, args := bucketWindow(where, "t.bucket", q.start, q.end)
		where, args = windowFilter(where, args, "t.at_ms", q.start, q.end)
		return "SELECT t.bucket, t.at_ms, '' AS model, t.project, t.session_type, t.session_id, " + thread +
			", t.tool_name AS tool, '' AS skill, " + zeros + ", t.is_error AS errors FROM tool_calls t" + join + " WHERE " + where, args
	case srcAPI:
		where, args := windowFilter(eventIs(facts.EventAPIRequest), nil, "occurred_at", q.start, q.end)
		return "SELECT bucket, occurred_at AS at_ms, model, project, session_type, session_id, " + threadKeySQL +
			" AS thread, '' AS tool, '' AS skill, " +
			"tokens_input, tokens_output, tokens_cache_creation, tokens_cache_read, cost_nanos" +
			" FROM telemetry_events WHERE " + where, args
	default: // srcEvents, srcSkills
		skill := "''"
		if m.src == srcSkills {
			skill = s.skillExpr("payload_json")
		}
		where := eventIs(m.event)
		if m.where != "" {
			where += " AND " + m.where
		}
		where, args := windowFilter(where, nil, "occurred_at", q.start, q.end)
		return "SELECT bucket, occurred_at AS at_ms, model, project, session_type, session_id, " + threadKeySQL +
			" AS thread, '' AS tool, " + skill + " AS skill, " + zeros + " FROM telemetry_events WHERE " + where, args
	}
}

// bucketWindow bounds the bucket column by the buckets of [start, end), so
// an index led by bucket finds the rows (and yields them in bucket order);
// the exact bounds are applied on the time column as well.
func bucketWindow(where, col string, start, end time.Time) (string, []any) {
	var args []any
	if !start.IsZero() {
		where += " AND " + col + " >= ?"
		args = append(args, bucketOf(start.UnixMilli()))
	}
	if !end.IsZero() {
		where += " AND " + col + " <= ?"
		args = append(args, bucketOf(end.UnixMilli()-1))
	}
	return where, args
}

// skillExpr reads the skill name a skill_activated row keeps in its payload.
func (s *Store) skillExpr(col string) string {
	if s.dialect == dialectPostgres {
		return "COALESCE(CAST(" + col + " AS jsonb) ->> 'skill_name', '')"
	}
	return "COALESCE(json_extract(" + col + ", '$.skill_name'), '')"
}

// sessionFilter selects rows of sessions with a matching fact of another
// kind; in is " IN (?, ...)".
func (s *Store) sessionFilter(dim, in string) string {
	// Uncorrelated IN subqueries: both planners evaluate them once per
	// query (a correlated EXISTS ran once per row: seconds on 1M facts).
	switch dim {
	case DimModel, DimModelFamily:
		expr := "model"
		if dim == DimModelFamily {
			expr = modelFamilySQL("model")
		}
		return "r.session_id IN (SELECT session_id FROM telemetry_events WHERE " + eventIs(facts.EventAPIRequest) +
			" AND " + expr + in + ")"
	case DimTool:
		// session_tool_usage is tool_calls summed per session and tool, kept
		// exact by every write (recompute.go): a tenth of the rows to scan.
		return "r.session_id IN (SELECT session_id FROM session_tool_usage WHERE tool_name" + in + ")"
	case DimSkill:
		return "r.session_id IN (SELECT session_id FROM telemetry_events WHERE " + eventIs(facts.EventSkillActivated) +
			" AND " + s.skillExpr("payload_json") + in + ")"
	default: // every other dimension is on every row
		return dimExprs[dim] + in
	}
}

// threadSessions selects the sessions whose thread (root session, else the
// session; a session without a row is its own thread) is linked to one of
// the features (tasks) of the IN list in, which it holds twice. It lets a
// row without a thread column (a tool call) be filtered on its session
// alone.
func threadSessions(entity, in string) string {
	return "SELECT ss.session_id FROM sessions ss WHERE CASE WHEN ss.root_session_id <> '' THEN ss.root_session_id ELSE ss.session_id END" +
		" IN (SELECT thread FROM " + linksTable(entity) + " fl WHERE fl.from_id" + in + ")" +
		" UNION SELECT fl.thread FROM " + linksTable(entity) + " fl WHERE fl.from_id" + in +
		" AND fl.thread NOT IN (SELECT session_id FROM sessions)"
}

// linksTable is the distinct (entity id, thread) pairs of one entity type's
// links to sessions; a link to a subagent session counts for its thread.
func linksTable(entity string) string {
	return "(SELECT DISTINCT l.from_id, CASE WHEN ls.root_session_id <> '' THEN ls.root_session_id ELSE l.to_id END AS thread" +
		" FROM entity_links l LEFT JOIN sessions ls ON ls.session_id = l.to_id" +
		" WHERE l.from_type = '" + entity + "' AND l.to_type = '" + facts.EntitySession + "')"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// hasTable reports whether a table exists; tables of later migrations
// (entity_links, tasks) are optional for the queries that read them. A
// table once seen is remembered.
func (s *Store) hasTable(ctx context.Context, name string) (bool, error) {
	if _, ok := s.tables.Load(name); ok {
		return true, nil
	}
	var q string
	if s.dialect == dialectPostgres {
		q = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?"
	} else {
		q = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	var n int
	if err := s.db.QueryRowContext(ctx, s.dialect.rebind(q), name).Scan(&n); err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	if n > 0 {
		s.tables.Store(name, true)
	}
	return n > 0, nil
}
