package store

// The correlation view as it was before it was made to scale (one pass over
// every link and session, every row described): the reference the SQL
// version must agree with (TestCorrelationMatchesReference).

import (
	"context"
	"fmt"
	"slices"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// refSession is what the view needs of a session row.
type refSession struct {
	root, project     string
	first, last       int64
	cost, tokens      int64
	hasFirst, hasLast bool
	children          []string // sessions whose root this is
}

// refLinkGraph indexes entity_links by the relations the view walks.
type refLinkGraph struct {
	featureTasks    map[string]map[string]CorrelationEdge // feature → task
	taskFeatures    map[string]bool                       // tasks with a feature
	featureSessions map[string]map[string]CorrelationEdge // feature → session
	taskSessions    map[string]map[string]CorrelationEdge // task → session
	taskCommits     map[string]map[string]CorrelationEdge // task → commit
	sessionCommits  map[string]map[string]bool            // session → commit
	commitPRs       map[string]map[string]CorrelationEdge // commit → PR
}

// Correlation returns the feature → task → session → commit → PR rows with
// each link's confidence and the usage attributed to features, tasks and
// sessions. Rows are ordered by feature, task, session, commit and PR id
// (rows without a feature last).
func (s *Store) refCorrelation(ctx context.Context, f CorrelationFilter) (*Correlation, error) {
	if err := checkWindow(f.Start, f.End); err != nil {
		return nil, err
	}
	if f.Limit < 0 {
		return nil, queryErrorf("limit", "must not be negative")
	}
	if f.Offset < 0 {
		return nil, queryErrorf("offset", "must not be negative")
	}
	links, err := s.Links(ctx)
	if err != nil {
		return nil, err
	}
	g := refLinkGraph{
		featureTasks: map[string]map[string]CorrelationEdge{}, taskFeatures: map[string]bool{},
		featureSessions: map[string]map[string]CorrelationEdge{}, taskSessions: map[string]map[string]CorrelationEdge{},
		taskCommits: map[string]map[string]CorrelationEdge{}, sessionCommits: map[string]map[string]bool{},
		commitPRs: map[string]map[string]CorrelationEdge{},
	}
	sessionIDs := map[string]bool{}
	for _, l := range links {
		e := CorrelationEdge{Confidence: l.Confidence, Source: l.Source, Ambiguity: l.Ambiguity}
		switch [2]string{l.FromType, l.ToType} {
		case [2]string{facts.EntityFeature, facts.EntityTask}:
			corrPut(g.featureTasks, l.FromID, l.ToID, e)
			g.taskFeatures[l.ToID] = true
		case [2]string{facts.EntityFeature, facts.EntitySession}:
			corrPut(g.featureSessions, l.FromID, l.ToID, e)
			sessionIDs[l.ToID] = true
		case [2]string{facts.EntityTask, facts.EntitySession}:
			corrPut(g.taskSessions, l.FromID, l.ToID, e)
			sessionIDs[l.ToID] = true
		case [2]string{facts.EntityTask, facts.EntityCommit}:
			corrPut(g.taskCommits, l.FromID, l.ToID, e)
		case [2]string{facts.EntitySession, facts.EntityCommit}:
			corrPut(g.sessionCommits, l.FromID, l.ToID, true)
		case [2]string{facts.EntityCommit, facts.EntityPullRequest}:
			corrPut(g.commitPRs, l.FromID, l.ToID, e)
		}
	}
	sessions, err := s.refSessions(ctx, sessionIDs)
	if err != nil {
		return nil, err
	}
	b := &refBuilder{g: &g, sessions: sessions, filter: f}
	if b.tasks, err = s.refTasks(ctx); err != nil {
		return nil, err
	}
	b.build()
	if b.subjects, err = s.commitSubjects(ctx, b.commits()); err != nil {
		return nil, err
	}
	b.describe()

	out := &Correlation{Total: len(b.rows), Rows: []CorrelationRow{}}
	start := min(f.Offset, len(b.rows))
	end := len(b.rows)
	if f.Limit > 0 {
		end = min(start+f.Limit, end)
	}
	out.Rows = append(out.Rows, b.rows[start:end]...)
	return out, nil
}

// refSessions loads the linked sessions and their subagents.
func (s *Store) refSessions(ctx context.Context, ids map[string]bool) (map[string]*refSession, error) {
	out := make(map[string]*refSession, len(ids))
	keys := make([]string, 0, len(ids))
	for id := range ids {
		keys = append(keys, id)
	}
	slices.Sort(keys)
	err := inChunks(keys, func(chunk []any) error {
		in := "(" + placeholders(len(chunk)) + ")"
		args := append(append([]any{}, chunk...), chunk...)
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind(`SELECT session_id, root_session_id, project,
    first_seen_ms, last_seen_ms, cost_nanos,
    tokens_input + tokens_output + tokens_cache_creation + tokens_cache_read
FROM sessions WHERE session_id IN `+in+` OR root_session_id IN `+in), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				id, root, project string
				first, last       *int64
				cs                refSession
			)
			if err := rows.Scan(&id, &root, &project, &first, &last, &cs.cost, &cs.tokens); err != nil {
				return err
			}
			cs.root, cs.project = root, project
			if first != nil {
				cs.first, cs.hasFirst = *first, true
			}
			if last != nil {
				cs.last, cs.hasLast = *last, true
			}
			out[id] = &cs
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("store: correlation: %w", err)
	}
	for id, cs := range out {
		if cs.root != "" && cs.root != id {
			if r, ok := out[cs.root]; ok {
				r.children = append(r.children, id)
			}
		}
	}
	return out, nil
}

// refTasks reads task titles and statuses from progress files
// (tasks table), keyed by task id then feature id.
func (s *Store) refTasks(ctx context.Context) (map[string]map[string]taskInfo, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT feature_id, task_id, title, status FROM tasks")
	if err != nil {
		return nil, fmt.Errorf("store: correlation: %w", err)
	}
	defer rows.Close()
	out := map[string]map[string]taskInfo{}
	for rows.Next() {
		var feature, task string
		var ti taskInfo
		if err := rows.Scan(&feature, &task, &ti.title, &ti.status); err != nil {
			return nil, fmt.Errorf("store: correlation: %w", err)
		}
		corrPut(out, task, feature, ti)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: correlation: %w", err)
	}
	return out, nil
}

// refBuilder walks the link graph into rows.
type refBuilder struct {
	g        *refLinkGraph
	sessions map[string]*refSession
	tasks    map[string]map[string]taskInfo
	subjects map[string]string
	filter   CorrelationFilter
	rows     []CorrelationRow
}

func (b *refBuilder) build() {
	g := b.g
	features := map[string]bool{}
	for f := range g.featureTasks {
		features[f] = true
	}
	for f := range g.featureSessions {
		features[f] = true
	}
	for _, f := range corrKeys(features) {
		if b.filter.Feature != "" && f != b.filter.Feature {
			continue
		}
		viaTasks := map[string]bool{}
		for _, t := range corrKeys(g.featureTasks[f]) {
			for sid := range g.taskSessions[t] {
				viaTasks[sid] = true
			}
			if b.filter.Task != "" && t != b.filter.Task {
				continue
			}
			fe := g.featureTasks[f][t]
			b.taskRows(&CorrelationNode{ID: f}, &CorrelationNode{ID: t, Link: edgePtr(fe)}, t)
		}
		if b.filter.Task != "" {
			continue
		}
		for _, sid := range corrKeys(g.featureSessions[f]) {
			if viaTasks[sid] {
				continue
			}
			b.add(CorrelationRow{Feature: &CorrelationNode{ID: f},
				Session: b.sessionNode(sid, g.featureSessions[f][sid])})
		}
	}
	if b.filter.Feature != "" {
		return
	}
	// Tasks no feature claims.
	tasks := map[string]bool{}
	for t := range g.taskSessions {
		tasks[t] = true
	}
	for t := range g.taskCommits {
		tasks[t] = true
	}
	for _, t := range corrKeys(tasks) {
		if g.taskFeatures[t] || (b.filter.Task != "" && t != b.filter.Task) {
			continue
		}
		b.taskRows(nil, &CorrelationNode{ID: t}, t)
	}
}

// taskRows adds the rows of task t: per linked session, per commit of that
// session linked to the task, per PR of the commit.
func (b *refBuilder) taskRows(feature, task *CorrelationNode, t string) {
	g := b.g
	covered := map[string]bool{}
	n := len(b.rows)
	for _, sid := range corrKeys(g.taskSessions[t]) {
		var commits []string
		for c := range g.taskCommits[t] {
			if g.sessionCommits[sid][c] {
				commits = append(commits, c)
				covered[c] = true
			}
		}
		slices.Sort(commits)
		row := CorrelationRow{Feature: feature, Task: task, Session: b.sessionNode(sid, g.taskSessions[t][sid])}
		if len(commits) == 0 {
			b.add(row)
			continue
		}
		for _, c := range commits {
			b.commitRows(row, c, g.taskCommits[t][c])
		}
	}
	// Commits linked to the task outside its linked sessions.
	for _, c := range corrKeys(g.taskCommits[t]) {
		if !covered[c] {
			b.commitRows(CorrelationRow{Feature: feature, Task: task}, c, g.taskCommits[t][c])
		}
	}
	if len(b.rows) == n && len(g.taskSessions[t]) == 0 && len(g.taskCommits[t]) == 0 {
		b.add(CorrelationRow{Feature: feature, Task: task})
	}
}

func (b *refBuilder) commitRows(row CorrelationRow, c string, e CorrelationEdge) {
	row.Commit = &CorrelationNode{ID: c, Link: edgePtr(e)}
	prs := b.g.commitPRs[c]
	if len(prs) == 0 {
		b.add(row)
		return
	}
	for _, p := range corrKeys(prs) {
		r := row
		r.PR = &CorrelationNode{ID: p, Link: edgePtr(prs[p]), Number: prNumber(p)}
		b.add(r)
	}
}

func (b *refBuilder) sessionNode(sid string, e CorrelationEdge) *CorrelationNode {
	n := &CorrelationNode{ID: sid, Link: edgePtr(e)}
	if cs, ok := b.sessions[sid]; ok {
		n.Project = cs.project
	}
	return n
}

// add keeps the row if the session filters let it through.
func (b *refBuilder) add(r CorrelationRow) {
	f := b.filter
	if f.Project != "" || !f.Start.IsZero() || !f.End.IsZero() {
		if r.Session == nil {
			return
		}
		cs, ok := b.sessions[r.Session.ID]
		if !ok {
			return
		}
		if f.Project != "" && cs.project != f.Project {
			return
		}
		if !f.Start.IsZero() && (!cs.hasLast || cs.last < f.Start.UnixMilli()) {
			return
		}
		if !f.End.IsZero() && (!cs.hasFirst || cs.first >= f.End.UnixMilli()) {
			return
		}
	}
	b.rows = append(b.rows, r)
}

func (b *refBuilder) commits() []string {
	seen := map[string]bool{}
	for _, r := range b.rows {
		if r.Commit != nil {
			seen[r.Commit.ID] = true
		}
	}
	return corrKeys(seen)
}

// describe fills the nodes' usage and titles. Nodes are shared between
// rows; each is filled once.
func (b *refBuilder) describe() {
	g := b.g
	done := map[*CorrelationNode]bool{}
	for _, r := range b.rows {
		if n := r.Feature; n != nil && !done[n] {
			done[n] = true
			set := map[string]bool{}
			for sid := range g.featureSessions[n.ID] {
				set[sid] = true
			}
			for t := range g.featureTasks[n.ID] {
				for sid := range g.taskSessions[t] {
					set[sid] = true
				}
			}
			b.usage(n, set)
		}
		if n := r.Task; n != nil && !done[n] {
			done[n] = true
			set := map[string]bool{}
			for sid := range g.taskSessions[n.ID] {
				set[sid] = true
			}
			b.usage(n, set)
			feature := ""
			if r.Feature != nil {
				feature = r.Feature.ID
			}
			if ti, ok := b.tasks[n.ID][feature]; ok {
				n.Title, n.Status = ti.title, ti.status
			}
		}
		if n := r.Session; n != nil && !done[n] {
			done[n] = true
			b.usage(n, map[string]bool{n.ID: true})
		}
		if n := r.Commit; n != nil && !done[n] {
			done[n] = true
			n.Title = b.subjects[n.ID]
		}
	}
}

// usage sums cost and tokens over the given sessions and their subagents,
// each counted once; Sessions counts the linked sessions.
func (b *refBuilder) usage(n *CorrelationNode, linked map[string]bool) {
	all := map[string]bool{}
	for sid := range linked {
		all[sid] = true
		if cs, ok := b.sessions[sid]; ok {
			for _, c := range cs.children {
				all[c] = true
			}
		}
	}
	var cost, tokens int64
	for sid := range all {
		if cs, ok := b.sessions[sid]; ok {
			cost += cs.cost
			tokens += cs.tokens
		}
	}
	n.CostUSD = &Value{raw: cost, nanos: true}
	n.Tokens = &Value{raw: tokens}
	n.Sessions = &Value{raw: int64(len(linked))}
}

func edgePtr(e CorrelationEdge) *CorrelationEdge { return &e }
