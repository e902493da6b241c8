package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// The SQL side of the correlation view (correlation.go): which links to
// walk, which linked sessions pass the filters, and the description of the
// returned rows. Every query here is led by an index: entity_links' primary
// key (from_type, from_id, ...) and entity_links_to (to_type, to_id), the
// sessions key and sessions_root, tasks_task (0008) and the fact key.

const corrLinkColumns = "from_type, from_id, to_type, to_id"

// sessionFiltered reports whether the filter selects sessions (project or
// window).
func (f CorrelationFilter) sessionFiltered() bool {
	return f.Project != "" || !f.Start.IsZero() || !f.End.IsZero()
}

// correlationGraph loads the links the filter can reach and, under a
// session filter, the linked sessions that pass it (match; nil without
// one).
//
// A feature filter starts from the feature's links, a task filter from the
// features claiming the task; either then follows the task → session and
// task → commit links of the tasks it found, the session → commit links of
// their sessions and the commit → PR links of their commits, so the work
// grows with the feature, not the store. A session filter alone starts
// from the matching sessions' links the same way (rows without a matching
// session are dropped, so nothing else can show). Without any filter every
// link is read, with no ordering (the builder sorts).
func (s *Store) correlationGraph(ctx context.Context, f CorrelationFilter) (g *linkGraph, match map[string]bool, err error) {
	g = newLinkGraph()
	switch {
	case f.Feature != "" || f.Task != "":
		if err := s.featureGraph(ctx, g, f); err != nil {
			return nil, nil, err
		}
		if f.sessionFiltered() {
			match, err = s.correlationMatches(ctx, f, g.sessions())
		}
		return g, match, err
	case f.sessionFiltered():
		match, err = s.correlationMatches(ctx, f, nil)
		if err != nil {
			return nil, nil, err
		}
		return g, match, s.sessionGraph(ctx, g, corrKeys(match))
	}
	// Per relation, two columns: reading a row costs per column.
	for _, rel := range corrRelations {
		if err := s.loadRelation(ctx, g, rel); err != nil {
			return nil, nil, err
		}
	}
	return g, nil, nil
}

// sessionGraph loads the links of the given sessions, the features
// claiming their tasks, and the commits and PRs of those tasks.
func (s *Store) sessionGraph(ctx context.Context, g *linkGraph, sessions []string) error {
	err := inChunks(sessions, func(chunk []any) error {
		return s.loadLinks(ctx, g, "SELECT "+corrLinkColumns+" FROM entity_links WHERE to_type = '"+facts.EntitySession+
			"' AND to_id IN ("+placeholders(len(chunk))+") AND from_type IN ('"+facts.EntityFeature+"', '"+facts.EntityTask+"')", chunk...)
	})
	if err != nil {
		return err
	}
	tasks := corrKeys(g.taskSessions)
	err = inChunks(tasks, func(chunk []any) error {
		return s.loadLinks(ctx, g, "SELECT "+corrLinkColumns+" FROM entity_links WHERE to_type = '"+facts.EntityTask+
			"' AND to_id IN ("+placeholders(len(chunk))+") AND from_type = '"+facts.EntityFeature+"'", chunk...)
	})
	if err != nil {
		return err
	}
	return s.followTasks(ctx, g, tasks)
}

// featureGraph loads the links reachable from the filter's feature or task.
func (s *Store) featureGraph(ctx context.Context, g *linkGraph, f CorrelationFilter) error {
	if f.Feature != "" {
		if err := s.loadLinks(ctx, g, "SELECT "+corrLinkColumns+" FROM entity_links WHERE from_type = '"+facts.EntityFeature+
			"' AND from_id = ?", f.Feature); err != nil {
			return err
		}
	} else if err := s.loadLinks(ctx, g, "SELECT "+corrLinkColumns+" FROM entity_links WHERE to_type = '"+facts.EntityTask+
		"' AND to_id = ? AND from_type = '"+facts.EntityFeature+"'", f.Task); err != nil {
		return err
	}
	tasks := []string{f.Task}
	if f.Task == "" {
		tasks = corrKeys(g.featureTasks[f.Feature])
	}
	return s.followTasks(ctx, g, tasks)
}

// followTasks loads the task → session and task → commit links of the
// given tasks, the session → commit links of those sessions and the
// commit → PR links of those commits.
func (s *Store) followTasks(ctx context.Context, g *linkGraph, tasks []string) error {
	if err := s.loadLinksFrom(ctx, g, facts.EntityTask, "", tasks); err != nil {
		return err
	}
	sessions, commits := map[string]bool{}, map[string]bool{}
	for _, t := range tasks {
		for sid := range g.taskSessions[t] {
			sessions[sid] = true
		}
		for c := range g.taskCommits[t] {
			commits[c] = true
		}
	}
	if err := s.loadLinksFrom(ctx, g, facts.EntitySession, facts.EntityCommit, corrKeys(sessions)); err != nil {
		return err
	}
	return s.loadLinksFrom(ctx, g, facts.EntityCommit, facts.EntityPullRequest, corrKeys(commits))
}

// loadLinksFrom loads the links from the given entities of one type (to
// entities of toType; "" = any).
func (s *Store) loadLinksFrom(ctx context.Context, g *linkGraph, fromType, toType string, ids []string) error {
	where := "from_type = '" + fromType + "'"
	if toType != "" {
		where += " AND to_type = '" + toType + "'"
	}
	return inChunks(ids, func(chunk []any) error {
		return s.loadLinks(ctx, g, "SELECT "+corrLinkColumns+" FROM entity_links WHERE "+where+
			" AND from_id IN ("+placeholders(len(chunk))+")", chunk...)
	})
}

func (s *Store) loadLinks(ctx context.Context, g *linkGraph, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var fromType, fromID, toType, toID string
	for rows.Next() {
		if err := rows.Scan(&fromType, &fromID, &toType, &toID); err != nil {
			return err
		}
		g.add(fromType, fromID, toType, toID)
	}
	return rows.Err()
}

// loadRelation loads every link of one relation (from type, to type).
func (s *Store) loadRelation(ctx context.Context, g *linkGraph, rel [2]string) error {
	rows, err := s.db.QueryContext(ctx, "SELECT from_id, to_id FROM entity_links WHERE from_type = '"+rel[0]+
		"' AND to_type = '"+rel[1]+"'")
	if err != nil {
		return err
	}
	defer rows.Close()
	var fromID, toID string
	for rows.Next() {
		if err := rows.Scan(&fromID, &toID); err != nil {
			return err
		}
		g.add(rel[0], fromID, rel[1], toID)
	}
	return rows.Err()
}

// linkEvidence reads the evidence of the given links, grouped by relation
// and looked up by their from ids.
func (s *Store) linkEvidence(ctx context.Context, keys map[[4]string]bool) (map[[4]string]CorrelationEdge, error) {
	out := make(map[[4]string]CorrelationEdge, len(keys))
	from := map[[2]string]map[string]bool{}
	for k := range keys {
		rel := [2]string{k[0], k[2]}
		if from[rel] == nil {
			from[rel] = map[string]bool{}
		}
		from[rel][k[1]] = true
	}
	for _, rel := range corrRelations {
		err := inChunks(corrKeys(from[rel]), func(chunk []any) error {
			rows, err := s.db.QueryContext(ctx, s.dialect.rebind("SELECT from_id, to_id, confidence, source, ambiguity FROM entity_links WHERE from_type = '"+
				rel[0]+"' AND to_type = '"+rel[1]+"' AND from_id IN ("+placeholders(len(chunk))+")"), chunk...)
			if err != nil {
				return err
			}
			defer rows.Close()
			var fromID, toID string
			var e CorrelationEdge
			for rows.Next() {
				if err := rows.Scan(&fromID, &toID, &e.Confidence, &e.Source, &e.Ambiguity); err != nil {
					return err
				}
				if k := [4]string{rel[0], fromID, rel[1], toID}; keys[k] {
					out[k] = e
				}
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// correlationMatches returns the given sessions (nil: every linked
// session) that pass the project and window filters: a session of the
// project that was active in the window (a session without a stored row
// never matches).
func (s *Store) correlationMatches(ctx context.Context, f CorrelationFilter, ids []string) (map[string]bool, error) {
	var cond []string
	var fargs []any
	if f.Project != "" {
		cond, fargs = append(cond, "project = ?"), append(fargs, f.Project)
	}
	if !f.Start.IsZero() {
		cond, fargs = append(cond, "last_seen_ms >= ?"), append(fargs, f.Start.UnixMilli())
	}
	if !f.End.IsZero() {
		cond, fargs = append(cond, "first_seen_ms < ?"), append(fargs, f.End.UnixMilli())
	}
	out := map[string]bool{}
	read := func(q string, args []any) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out[id] = true
		}
		return rows.Err()
	}
	if ids == nil {
		return out, read("SELECT session_id FROM sessions WHERE "+strings.Join(cond, " AND ")+
			" AND session_id IN (SELECT to_id FROM entity_links WHERE to_type = '"+facts.EntitySession+
			"' AND from_type IN ('"+facts.EntityFeature+"', '"+facts.EntityTask+"'))", fargs)
	}
	err := inChunks(ids, func(chunk []any) error {
		return read("SELECT session_id FROM sessions WHERE session_id IN ("+placeholders(len(chunk))+") AND "+
			strings.Join(cond, " AND "), append(append([]any{}, chunk...), fargs...))
	})
	return out, err
}

// describeCorrelation fills the nodes of the returned rows: usage of
// features, tasks and sessions, session projects, task titles and statuses,
// commit subjects. Nodes shared between rows are filled alike.
func (s *Store) describeCorrelation(ctx context.Context, rows []CorrelationRow) error {
	features, tasks, sessions, commits := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	links := map[[4]string]bool{}
	for _, r := range rows {
		for _, n := range []*CorrelationNode{r.Feature, r.Task, r.Session, r.Commit, r.PR} {
			if n != nil && n.Link != nil {
				links[n.via] = true
			}
		}
		if r.Feature != nil {
			features[r.Feature.ID] = true
		}
		if r.Task != nil {
			tasks[r.Task.ID] = true
		}
		if r.Session != nil {
			sessions[r.Session.ID] = true
		}
		if r.Commit != nil {
			commits[r.Commit.ID] = true
		}
	}
	featureUse, err := s.nodeUsage(ctx, featureSessionsSQL, 2, corrKeys(features))
	if err != nil {
		return err
	}
	taskUse, err := s.nodeUsage(ctx, taskSessionsSQL, 1, corrKeys(tasks))
	if err != nil {
		return err
	}
	sessionUse, err := s.nodeUsage(ctx, sessionSelfSQL, 1, corrKeys(sessions))
	if err != nil {
		return err
	}
	projects, err := s.sessionProjects(ctx, corrKeys(sessions))
	if err != nil {
		return err
	}
	titles, err := s.taskTitles(ctx, corrKeys(tasks))
	if err != nil {
		return err
	}
	subjects, err := s.commitSubjects(ctx, corrKeys(commits))
	if err != nil {
		return err
	}
	evidence, err := s.linkEvidence(ctx, links)
	if err != nil {
		return err
	}
	for _, r := range rows {
		for _, n := range []*CorrelationNode{r.Feature, r.Task, r.Session, r.Commit, r.PR} {
			if n != nil && n.Link != nil {
				*n.Link = evidence[n.via]
			}
		}
		if n := r.Feature; n != nil {
			featureUse[n.ID].set(n)
		}
		if n := r.Task; n != nil {
			taskUse[n.ID].set(n)
			feature := ""
			if r.Feature != nil {
				feature = r.Feature.ID
			}
			if ti, ok := titles[[2]string{feature, n.ID}]; ok {
				n.Title, n.Status = ti.title, ti.status
			}
		}
		if n := r.Session; n != nil {
			u := sessionUse[n.ID]
			u.sessions = 1 // the session itself, whether or not it has a row yet
			u.set(n)
			n.Project = projects[n.ID]
		}
		if n := r.Commit; n != nil {
			n.Title = subjects[n.ID]
		}
	}
	return nil
}

// nodeUsage is what a node's linked sessions add up to.
type nodeUsage struct{ sessions, cost, tokens int64 }

func (u nodeUsage) set(n *CorrelationNode) {
	n.CostUSD = &Value{raw: u.cost, nanos: true}
	n.Tokens = &Value{raw: u.tokens}
	n.Sessions = &Value{raw: u.sessions}
}

// The sessions linked to nodes, as (node, sid) pairs: each a SELECT with
// IN lists of node ids (the count given to nodeUsage).
const (
	// A feature's own sessions and its tasks' (UNION: each once).
	featureSessionsSQL = `SELECT from_id AS node, to_id AS sid FROM entity_links
    WHERE from_type = '` + facts.EntityFeature + `' AND from_id IN (%[1]s) AND to_type = '` + facts.EntitySession + `'
UNION
SELECT ft.from_id, ts.to_id FROM entity_links ft
    JOIN entity_links ts ON ts.from_type = '` + facts.EntityTask + `' AND ts.from_id = ft.to_id AND ts.to_type = '` + facts.EntitySession + `'
    WHERE ft.from_type = '` + facts.EntityFeature + `' AND ft.from_id IN (%[1]s) AND ft.to_type = '` + facts.EntityTask + `'`
	taskSessionsSQL = `SELECT from_id AS node, to_id AS sid FROM entity_links
    WHERE from_type = '` + facts.EntityTask + `' AND from_id IN (%[1]s) AND to_type = '` + facts.EntitySession + `'`
	sessionSelfSQL = `SELECT session_id AS node, session_id AS sid FROM sessions WHERE session_id IN (%[1]s)`
)

// nodeUsageSQL sums the usage of each node's linked sessions and their
// subagents (sessions whose root is a linked session), each session once
// per node: the UNION drops a subagent that is linked itself too. sessions
// counts the linked sessions, stored or not.
const nodeUsageSQL = `WITH linked AS (%s),
members AS (
    SELECT l.node, s.session_id, s.cost_nanos,
        s.tokens_input + s.tokens_output + s.tokens_cache_creation + s.tokens_cache_read AS tokens
    FROM linked l JOIN sessions s ON s.session_id = l.sid
    UNION
    SELECT l.node, c.session_id, c.cost_nanos,
        c.tokens_input + c.tokens_output + c.tokens_cache_creation + c.tokens_cache_read
    FROM linked l JOIN sessions r ON r.session_id = l.sid JOIN sessions c ON c.root_session_id = r.session_id
)
SELECT n.node, n.sessions, COALESCE(m.cost, 0), COALESCE(m.tokens, 0)
FROM (SELECT node, COUNT(*) AS sessions FROM linked GROUP BY node) n
LEFT JOIN (SELECT node, CAST(SUM(cost_nanos) AS BIGINT) AS cost, CAST(SUM(tokens) AS BIGINT) AS tokens
    FROM members GROUP BY node) m ON m.node = n.node`

// nodeUsage runs nodeUsageSQL over linkedSQL (whose IN list appears lists
// times) for the given node ids. Nodes without linked sessions are absent
// (zero usage).
func (s *Store) nodeUsage(ctx context.Context, linkedSQL string, lists int, ids []string) (map[string]nodeUsage, error) {
	out := make(map[string]nodeUsage, len(ids))
	err := inChunks(ids, func(chunk []any) error {
		linked := strings.ReplaceAll(linkedSQL, "%[1]s", placeholders(len(chunk)))
		args := make([]any, 0, lists*len(chunk))
		for range lists {
			args = append(args, chunk...)
		}
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind(strings.Replace(nodeUsageSQL, "%s", linked, 1)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var u nodeUsage
			if err := rows.Scan(&id, &u.sessions, &u.cost, &u.tokens); err != nil {
				return err
			}
			out[id] = u
		}
		return rows.Err()
	})
	return out, err
}

// sessionProjects reads the project of the given sessions.
func (s *Store) sessionProjects(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	err := inChunks(ids, func(chunk []any) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind("SELECT session_id, project FROM sessions WHERE session_id IN ("+
			placeholders(len(chunk))+")"), chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, project string
			if err := rows.Scan(&id, &project); err != nil {
				return err
			}
			out[id] = project
		}
		return rows.Err()
	})
	return out, err
}

type taskInfo struct{ title, status string }

// taskTitles reads the titles and statuses of the given tasks from progress
// files (tasks table), keyed by (feature id, task id).
func (s *Store) taskTitles(ctx context.Context, ids []string) (map[[2]string]taskInfo, error) {
	out := map[[2]string]taskInfo{}
	err := inChunks(ids, func(chunk []any) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind("SELECT feature_id, task_id, title, status FROM tasks WHERE task_id IN ("+
			placeholders(len(chunk))+")"), chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var feature, task string
			var ti taskInfo
			if err := rows.Scan(&feature, &task, &ti.title, &ti.status); err != nil {
				return err
			}
			out[[2]string{feature, task}] = ti
		}
		return rows.Err()
	})
	return out, err
}

// commitSubjects reads the subjects of the given commits from their facts.
func (s *Store) commitSubjects(ctx context.Context, shas []string) (map[string]string, error) {
	out := make(map[string]string, len(shas))
	keys := make([]string, len(shas))
	for i, sha := range shas {
		keys[i] = "commit:" + sha
	}
	err := inChunks(keys, func(chunk []any) error {
		rows, err := s.db.QueryContext(ctx, s.dialect.rebind("SELECT fact_key, payload_json FROM telemetry_events WHERE fact_key IN ("+
			placeholders(len(chunk))+")"), chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var key, payload string
			if err := rows.Scan(&key, &payload); err != nil {
				return err
			}
			var p struct {
				Payload struct {
					Subject string `json:"subject"`
				} `json:"payload"`
			}
			if json.Unmarshal([]byte(payload), &p) == nil {
				out[key[len("commit:"):]] = p.Payload.Subject
			}
		}
		return rows.Err()
	})
	return out, err
}
