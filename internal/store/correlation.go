package store

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// CorrelationFilter selects rows of the correlation view. Empty fields do
// not filter.
type CorrelationFilter struct {
	Feature, Task, Project string
	// Start (inclusive) and End (exclusive) keep rows whose session was
	// active in the window; rows without a session are dropped when either
	// is set, as are they under a Project filter (the project is the
	// session's).
	Start, End time.Time
	// Limit (0 = all) and Offset page the rows.
	Limit, Offset int
}

// Correlation is the joined feature → task → session → commit → PR view.
type Correlation struct {
	Rows  []CorrelationRow `json:"rows"`
	Total int              `json:"total"` // rows matching the filter, before paging
}

// CorrelationRow is one path through the link graph. A nil node is unknown
// (a task without a feature, a session without a commit, ...).
type CorrelationRow struct {
	Feature *CorrelationNode `json:"feature"`
	Task    *CorrelationNode `json:"task"`
	Session *CorrelationNode `json:"session"`
	Commit  *CorrelationNode `json:"commit"`
	PR      *CorrelationNode `json:"pr"`
}

// CorrelationNode is an entity of a row and the link that led to it from
// the row's previous node (nil on the row's first node).
type CorrelationNode struct {
	ID   string           `json:"id"`
	Link *CorrelationEdge `json:"link,omitempty"`

	// Usage of the sessions linked to the node, each session with its
	// subagents, each counted once (feature: its own sessions and its
	// tasks'); whole sessions, whatever the filter's window. Set on
	// features, tasks and sessions.
	CostUSD  *Value `json:"cost_usd,omitempty"`
	Tokens   *Value `json:"tokens,omitempty"`
	Sessions *Value `json:"sessions,omitempty"`

	Project string `json:"project,omitempty"` // session
	Title   string `json:"title,omitempty"`   // task title, commit subject
	Status  string `json:"status,omitempty"`  // task status
	Number  int64  `json:"number,omitempty"`  // PR number

	// via is the stored link Link reports (from type, from id, to type, to
	// id); describeCorrelation reads its evidence for the returned rows.
	via [4]string
}

// CorrelationEdge is a stored link's evidence.
type CorrelationEdge struct {
	Confidence float64 `json:"confidence"`
	Source     string  `json:"source"`
	Ambiguity  float64 `json:"ambiguity"`
}

// linkGraph indexes entity_links by the relations the view walks: ids
// only, the evidence of the links the returned rows show is read afterwards
// (a link row's seven columns cost three times its two ids to read).
type linkGraph struct {
	featureTasks    map[string]map[string]bool // feature → task
	taskFeatures    map[string]bool            // tasks with a feature
	featureSessions map[string]map[string]bool // feature → session
	taskSessions    map[string]map[string]bool // task → session
	taskCommits     map[string]map[string]bool // task → commit
	sessionCommits  map[string]map[string]bool // session → commit
	commitPRs       map[string]map[string]bool // commit → PR
}

func newLinkGraph() *linkGraph {
	return &linkGraph{
		featureTasks: map[string]map[string]bool{}, taskFeatures: map[string]bool{},
		featureSessions: map[string]map[string]bool{}, taskSessions: map[string]map[string]bool{},
		taskCommits: map[string]map[string]bool{}, sessionCommits: map[string]map[string]bool{},
		commitPRs: map[string]map[string]bool{},
	}
}

// corrRelations are the link types the view walks.
var corrRelations = [][2]string{
	{facts.EntityFeature, facts.EntityTask},
	{facts.EntityFeature, facts.EntitySession},
	{facts.EntityTask, facts.EntitySession},
	{facts.EntityTask, facts.EntityCommit},
	{facts.EntitySession, facts.EntityCommit},
	{facts.EntityCommit, facts.EntityPullRequest},
}

// add files one link under the relation it belongs to; links of other
// types are not part of the view.
func (g *linkGraph) add(fromType, fromID, toType, toID string) {
	switch [2]string{fromType, toType} {
	case corrRelations[0]:
		corrPut(g.featureTasks, fromID, toID, true)
		g.taskFeatures[toID] = true
	case corrRelations[1]:
		corrPut(g.featureSessions, fromID, toID, true)
	case corrRelations[2]:
		corrPut(g.taskSessions, fromID, toID, true)
	case corrRelations[3]:
		corrPut(g.taskCommits, fromID, toID, true)
	case corrRelations[4]:
		corrPut(g.sessionCommits, fromID, toID, true)
	case corrRelations[5]:
		corrPut(g.commitPRs, fromID, toID, true)
	}
}

// sessions lists the sessions linked to a feature or task, sorted.
func (g *linkGraph) sessions() []string {
	set := map[string]bool{}
	for _, m := range []map[string]map[string]bool{g.featureSessions, g.taskSessions} {
		for _, inner := range m {
			for sid := range inner {
				set[sid] = true
			}
		}
	}
	return corrKeys(set)
}

func corrPut[V any](m map[string]map[string]V, a, b string, v V) {
	inner, ok := m[a]
	if !ok {
		inner = make(map[string]V)
		m[a] = inner
	}
	inner[b] = v
}

// Correlation returns the feature → task → session → commit → PR rows with
// each link's confidence and the usage attributed to features, tasks and
// sessions. Rows are ordered by feature, task, session, commit and PR id
// (rows without a feature last).
//
// The work is bounded by what the filter selects and by the page, not by
// the store: a feature or task filter loads only the links reachable from
// it (correlationGraph), the project and window filters are answered in SQL
// over the linked sessions, and only the rows of the requested page are
// described: usage summed in SQL, titles and subjects looked up by key
// (correlation_load.go).
func (s *Store) Correlation(ctx context.Context, f CorrelationFilter) (*Correlation, error) {
	if err := checkWindow(f.Start, f.End); err != nil {
		return nil, err
	}
	if f.Limit < 0 {
		return nil, queryErrorf("limit", "must not be negative")
	}
	if f.Offset < 0 {
		return nil, queryErrorf("offset", "must not be negative")
	}
	g, match, err := s.correlationGraph(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("store: correlation: %w", err)
	}
	b := &corrBuilder{g: g, filter: f, match: match}
	b.build()

	out := &Correlation{Total: len(b.rows), Rows: []CorrelationRow{}}
	out.Rows = append(out.Rows, page(b.rows, f.Limit, f.Offset)...)
	if err := s.describeCorrelation(ctx, out.Rows); err != nil {
		return nil, fmt.Errorf("store: correlation: %w", err)
	}
	return out, nil
}

// corrBuilder walks the link graph into rows (ids and link evidence only;
// describeCorrelation fills in the rest for the rows that are returned).
type corrBuilder struct {
	g      *linkGraph
	filter CorrelationFilter
	// match holds the linked sessions that pass the project and window
	// filters (nil: no such filter).
	match map[string]bool
	rows  []CorrelationRow
}

func corrKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// linkedNode is a node reached through the stored link from → to; its
// Link evidence is filled in by describeCorrelation.
func linkedNode(fromType, fromID, toType, toID string) *CorrelationNode {
	return &CorrelationNode{ID: toID, Link: &CorrelationEdge{}, via: [4]string{fromType, fromID, toType, toID}}
}

func (b *corrBuilder) build() {
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
			b.taskRows(&CorrelationNode{ID: f}, linkedNode(facts.EntityFeature, f, facts.EntityTask, t), t)
		}
		if b.filter.Task != "" {
			continue
		}
		for _, sid := range corrKeys(g.featureSessions[f]) {
			if viaTasks[sid] {
				continue
			}
			b.add(CorrelationRow{Feature: &CorrelationNode{ID: f},
				Session: linkedNode(facts.EntityFeature, f, facts.EntitySession, sid)})
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
func (b *corrBuilder) taskRows(feature, task *CorrelationNode, t string) {
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
		row := CorrelationRow{Feature: feature, Task: task, Session: linkedNode(facts.EntityTask, t, facts.EntitySession, sid)}
		if len(commits) == 0 {
			b.add(row)
			continue
		}
		for _, c := range commits {
			b.commitRows(row, t, c)
		}
	}
	// Commits linked to the task outside its linked sessions.
	for _, c := range corrKeys(g.taskCommits[t]) {
		if !covered[c] {
			b.commitRows(CorrelationRow{Feature: feature, Task: task}, t, c)
		}
	}
	if len(b.rows) == n && len(g.taskSessions[t]) == 0 && len(g.taskCommits[t]) == 0 {
		b.add(CorrelationRow{Feature: feature, Task: task})
	}
}

// commitRows adds the rows of commit c of task t: per PR of the commit.
func (b *corrBuilder) commitRows(row CorrelationRow, t, c string) {
	row.Commit = linkedNode(facts.EntityTask, t, facts.EntityCommit, c)
	prs := b.g.commitPRs[c]
	if len(prs) == 0 {
		b.add(row)
		return
	}
	for _, p := range corrKeys(prs) {
		r := row
		r.PR = linkedNode(facts.EntityCommit, c, facts.EntityPullRequest, p)
		r.PR.Number = prNumber(p)
		b.add(r)
	}
}

// add keeps the row if the session filters let it through: under a project
// or window filter only rows whose session matched are kept.
func (b *corrBuilder) add(r CorrelationRow) {
	if b.match != nil && (r.Session == nil || !b.match[r.Session.ID]) {
		return
	}
	b.rows = append(b.rows, r)
}

var prNumberRE = regexp.MustCompile(`/pull/(\d+)`)

// prNumber reads the number of a PR entity id (its URL, or #<n>).
func prNumber(id string) int64 {
	if len(id) > 1 && id[0] == '#' {
		n, _ := strconv.ParseInt(id[1:], 10, 64)
		return n
	}
	if m := prNumberRE.FindStringSubmatch(id); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	return 0
}
