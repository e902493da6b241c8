package store

import (
	"context"
	"database/sql"
	"math"
	"sort"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// Attribution is the usage (tokens, cost) of the sessions in scope split
// over the entities of one type (feature, task, commit or pr).
//
// Attribution rule: a session's usage (its API requests in the window that
// pass the filters) goes to the entities of the type it is linked to, split
// by ambiguity share: entity i gets ambiguity_i / Σ ambiguity of the session's links to that
// type, so a session linked to two tasks with equal evidence gives each half
// and the session's usage is counted exactly once. Links are entity_links
// rows feature|task → session and session → commit|pr; for commits and PRs
// the session that made them (ccdash.commit / ccdash.pull_request facts)
// counts as a link with share 1 when the correlation processor stored none.
// A session with no link of the type (typically a subagent) inherits its
// nearest linked ancestor's links; usage with no linked ancestor is
// unattributed. Per-entity values are rounded to whole tokens and
// nanodollars after summing, so rows may differ from Total - Unattributed by
// rounding.
type Attribution struct {
	Entity              string `json:"entity"`
	TotalCostUSD        Value  `json:"total_cost_usd"`
	TotalTokens         Value  `json:"total_tokens"`
	UnattributedCostUSD Value  `json:"unattributed_cost_usd"`
	UnattributedTokens  Value  `json:"unattributed_tokens"`
	Entities            int    `json:"entities"` // entities with attributed usage, before paging

	// Tasks only: tasks whose status is done (and whose completion time is in
	// the window, when one is given), and the usage attributed to them per
	// completed task; null for other entity types or without completed tasks.
	CompletedTasks         *int64 `json:"completed_tasks"`
	TokensPerCompletedTask *Value `json:"tokens_per_completed_task"`
	CostPerCompletedTask   *Value `json:"cost_per_completed_task_usd"`

	Rows []AttributedEntity `json:"rows"` // by cost, most first, then id
}

// AttributedEntity is one entity's share.
type AttributedEntity struct {
	ID       string `json:"id"`
	CostUSD  Value  `json:"cost_usd"`
	Tokens   Value  `json:"tokens"`
	Sessions int64  `json:"sessions"`         // sessions that gave it a share
	Status   string `json:"status,omitempty"` // task status
	Title    string `json:"title,omitempty"`  // task title
}

// attributionEntities are the accepted Entity values.
var attributionEntities = []string{facts.EntityFeature, facts.EntityTask, facts.EntityCommit, facts.EntityPullRequest}

type attrSession struct {
	parent       string
	tokens, cost int64
}

// Attribution splits session usage over entities (see Attribution).
func (s *Store) Attribution(ctx context.Context, q InsightQuery) (*Attribution, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	if q.Entity == "" {
		q.Entity = facts.EntityTask
	}
	if !contains(attributionEntities, q.Entity) {
		return nil, queryErrorf("entity", "unknown entity %q (one of %s)", q.Entity, strings.Join(attributionEntities, ", "))
	}
	if err := s.needTable(ctx, "entity_links", "entity"); err != nil {
		return nil, err
	}
	sessions := map[string]*attrSession{}
	err := s.queryRows(ctx, "attribution", "SELECT session_id, parent_session_id FROM sessions", nil, func(r *sql.Rows) error {
		var id string
		var x attrSession
		if err := r.Scan(&id, &x.parent); err != nil {
			return err
		}
		sessions[id] = &x
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Usage per session: the API requests of the window that pass the
	// filters, read as every API-request metric reads them (innerRows).
	inner, args := s.innerRows(aggQuery{m: metricDefs[MetricCostUSD], start: q.Start, end: q.End}, false, false, true)
	filter, fargs := s.filterConds(q.Filters, true, rowDimsOf(srcAPI))
	args = append(args, fargs...)
	err = s.queryRows(ctx, "attribution", `SELECT r.session_id,
    `+sumOf(rowValue[MetricTokensTotal])+`, `+sumOf(rowValue[MetricCostUSD])+`
FROM (`+inner+`) r WHERE 1 = 1`+filter+` GROUP BY r.session_id`, args, func(r *sql.Rows) error {
		var id string
		var tokens, cost int64
		if err := r.Scan(&id, &tokens, &cost); err != nil {
			return err
		}
		x := sessions[id]
		if x == nil {
			x = &attrSession{}
			sessions[id] = x
		}
		x.tokens, x.cost = tokens, cost
		return nil
	})
	if err != nil {
		return nil, err
	}
	edges, err := s.attributionEdges(ctx, q.Entity)
	if err != nil {
		return nil, err
	}

	type acc struct {
		tokens, cost float64
		sessions     int64
	}
	accs := map[string]*acc{}
	var total, unTokens, totalCost, unCost int64
	for _, id := range sortedKeys(sessions) {
		x := sessions[id]
		if x.tokens == 0 && x.cost == 0 {
			continue
		}
		total += x.tokens
		totalCost += x.cost
		owner := id
		for n := 0; owner != "" && edges[owner] == nil && n < maxDepth; n++ {
			p := sessions[owner]
			if p == nil {
				owner = ""
				break
			}
			owner = p.parent
		}
		links := edges[owner]
		if links == nil {
			unTokens += x.tokens
			unCost += x.cost
			continue
		}
		var sum float64
		ents := sortedKeys(links)
		for _, e := range ents {
			sum += links[e]
		}
		for _, e := range ents {
			share := links[e] / sum
			a := accs[e]
			if a == nil {
				a = &acc{}
				accs[e] = a
			}
			a.tokens += float64(x.tokens) * share
			a.cost += float64(x.cost) * share
			a.sessions++
		}
	}

	out := &Attribution{
		Entity:              q.Entity,
		TotalCostUSD:        Value{raw: totalCost, nanos: true},
		TotalTokens:         Value{raw: total},
		UnattributedCostUSD: Value{raw: unCost, nanos: true},
		UnattributedTokens:  Value{raw: unTokens},
		Rows:                []AttributedEntity{},
	}
	rows := make([]AttributedEntity, 0, len(accs))
	for _, id := range sortedKeys(accs) {
		a := accs[id]
		rows = append(rows, AttributedEntity{ID: id, CostUSD: Value{raw: int64(math.Round(a.cost)), nanos: true},
			Tokens: Value{raw: int64(math.Round(a.tokens))}, Sessions: a.sessions})
	}
	if q.Entity == facts.EntityTask {
		if err := s.addTaskAttribution(ctx, &q, out, rows); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].CostUSD.raw != rows[j].CostUSD.raw {
			return rows[i].CostUSD.raw > rows[j].CostUSD.raw
		}
		return rows[i].ID < rows[j].ID
	})
	out.Entities = len(rows)
	out.Rows = append(out.Rows, page(rows, q.Limit, q.Offset)...)
	return out, nil
}

// attributionEdges returns session → entity → link weight (ambiguity) for
// one entity type.
func (s *Store) attributionEdges(ctx context.Context, entity string) (map[string]map[string]float64, error) {
	edges := map[string]map[string]float64{}
	put := func(session, ent string, w float64, keep bool) {
		m := edges[session]
		if m == nil {
			m = map[string]float64{}
			edges[session] = m
		}
		if _, ok := m[ent]; ok && keep {
			return
		}
		if w <= 0 {
			w = 1
		}
		m[ent] = w
	}
	query := "SELECT to_id, from_id, ambiguity FROM entity_links WHERE from_type = ? AND to_type = ?"
	args := []any{entity, facts.EntitySession}
	if entity == facts.EntityCommit || entity == facts.EntityPullRequest {
		query = "SELECT from_id, to_id, ambiguity FROM entity_links WHERE from_type = ? AND to_type = ?"
		args = []any{facts.EntitySession, entity}
	}
	err := s.queryRows(ctx, "attribution", query, args, func(r *sql.Rows) error {
		var session, ent string
		var w float64
		if err := r.Scan(&session, &ent, &w); err != nil {
			return err
		}
		put(session, ent, w, false)
		return nil
	})
	if err != nil {
		return nil, err
	}
	event, prefix := "", ""
	switch entity {
	case facts.EntityCommit:
		event, prefix = facts.EventCommit, "commit:"
	case facts.EntityPullRequest:
		event, prefix = facts.EventPullRequest, "pr:"
	default:
		return edges, nil
	}
	err = s.queryRows(ctx, "attribution", "SELECT session_id, fact_key FROM telemetry_events WHERE "+eventIs(event)+
		" AND session_id <> ''", nil, func(r *sql.Rows) error {
		var session, key string
		if err := r.Scan(&session, &key); err != nil {
			return err
		}
		put(session, strings.TrimPrefix(key, prefix), 1, true)
		return nil
	})
	return edges, err
}

// addTaskAttribution adds task status and title to rows and the
// per-completed-task numbers to out.
func (s *Store) addTaskAttribution(ctx context.Context, q *InsightQuery, out *Attribution, rows []AttributedEntity) error {
	if err := s.needTable(ctx, "tasks", "entity"); err != nil {
		return err
	}
	type task struct {
		status, title string
		completed     sql.NullInt64
	}
	// tasks describe the rows; scoped are the ones the project, feature
	// and task filters keep, which the completed tasks are counted from (as
	// the overview's task KPIs: tasks have no model, tool or session).
	tasks, scoped := map[string]task{}, map[string]task{}
	keep := func(d, v string) bool { vs := q.Filters[d]; return len(vs) == 0 || contains(vs, v) }
	// A task id in several features: done wins, then the first feature.
	put := func(m map[string]task, id string, t task) {
		if old, ok := m[id]; !ok || (old.status != progress.StatusDone && t.status == progress.StatusDone) {
			m[id] = t
		}
	}
	err := s.queryRows(ctx, "attribution", "SELECT task_id, feature_id, status, title, project, completed_ms FROM tasks ORDER BY feature_id",
		nil, func(r *sql.Rows) error {
			var id, feature, project string
			var t task
			if err := r.Scan(&id, &feature, &t.status, &t.title, &project, &t.completed); err != nil {
				return err
			}
			put(tasks, id, t)
			if keep(DimProject, project) && keep(DimFeature, feature) && keep(DimTask, id) {
				put(scoped, id, t)
			}
			return nil
		})
	if err != nil {
		return err
	}
	byID := make(map[string]*AttributedEntity, len(rows))
	for i := range rows {
		byID[rows[i].ID] = &rows[i]
		if t, ok := tasks[rows[i].ID]; ok {
			rows[i].Status, rows[i].Title = t.status, t.title
		}
	}
	var done, tokens, cost int64
	for _, id := range sortedKeys(scoped) {
		t := scoped[id]
		bounded := !q.Start.IsZero() || !q.End.IsZero()
		if t.status != progress.StatusDone || (bounded && (!t.completed.Valid || !q.inWindow(t.completed.Int64))) {
			continue
		}
		done++
		if r := byID[id]; r != nil {
			tokens += r.Tokens.raw
			cost += r.CostUSD.raw
		}
	}
	out.CompletedTasks = &done
	if done > 0 {
		out.TokensPerCompletedTask = &Value{raw: roundDiv(tokens, done)}
		out.CostPerCompletedTask = &Value{raw: roundDiv(cost, done), nanos: true}
	}
	return nil
}

// roundDiv is a/b rounded half up, for a >= 0 and b > 0.
func roundDiv(a, b int64) int64 { return (a + b/2) / b }
