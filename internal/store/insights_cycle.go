package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// CycleTimes is the commit → PR cycle time of the PRs created in the window.
//
// A PR's commits are the stored commits made at or before its creation
// either in the same thread (root session) or on the same branch of the same
// project. A commit's branch is the one git printed, else its transcript
// line's, else its session's; a PR's is its transcript line's, else its
// session's. Default branches (main, master) only match within the thread,
// since unrelated work lands there. The cycle time is PR
// creation minus the earliest of those commits; null when there is none.
type CycleTimes struct {
	PRs        int       `json:"prs"`         // PRs in scope, before paging
	WithCommit int       `json:"with_commit"` // of those, the ones with a cycle time
	MeanMs     *int64    `json:"mean_ms"`     // rounded down
	MedianMs   *int64    `json:"median_ms"`   // lower median
	Rows       []PRCycle `json:"rows"`
}

// PRCycle is one PR's cycle.
type PRCycle struct {
	URL           string `json:"url"`
	Number        int64  `json:"number"`
	SessionID     string `json:"session_id"`
	Project       string `json:"project"`
	Branch        string `json:"branch"`
	CreatedMs     int64  `json:"created_ms"`
	Commits       int64  `json:"commits"`
	FirstCommit   string `json:"first_commit"`
	FirstCommitMs *int64 `json:"first_commit_ms"`
	CycleMs       *int64 `json:"cycle_ms"`
}

type cycleCommit struct {
	sha, thread, project, branch string
	at                           int64
}

// CycleTimes computes the commit → PR cycle of each PR in scope (created
// in the window, passing the filters), oldest PR first. Filters select
// PRs; a PR's commits are found among all stored commits.
func (s *Store) CycleTimes(ctx context.Context, q InsightQuery) (*CycleTimes, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	type sess struct{ thread, project, branch string }
	sessions := map[string]sess{}
	err := s.queryRows(ctx, "cycle time", "SELECT session_id, root_session_id, project, git_branch FROM sessions", nil,
		func(r *sql.Rows) error {
			var id, root string
			var x sess
			if err := r.Scan(&id, &root, &x.project, &x.branch); err != nil {
				return err
			}
			x.thread = threadOf(id, root)
			sessions[id] = x
			return nil
		})
	if err != nil {
		return nil, err
	}
	var commits []cycleCommit
	err = s.queryRows(ctx, "cycle time", `SELECT fact_key, session_id, root_session_id, project, occurred_at, payload_json
FROM telemetry_events WHERE `+eventIs(facts.EventCommit)+` ORDER BY occurred_at, fact_key`, nil, func(r *sql.Rows) error {
		var key, sid, root, payload string
		var c cycleCommit
		if err := r.Scan(&key, &sid, &root, &c.project, &c.at, &payload); err != nil {
			return err
		}
		c.sha = strings.TrimPrefix(key, "commit:")
		c.thread = threadOf(sid, root)
		// payload_json (rows.go payloadJSON): the branch git printed is in
		// the nested payload; git_branch is the transcript line's.
		var p struct {
			GitBranch string `json:"git_branch"`
			Payload   struct {
				Branch string `json:"branch"`
			} `json:"payload"`
		}
		_ = json.Unmarshal([]byte(payload), &p)
		c.branch = p.Payload.Branch
		if c.branch == "" {
			c.branch = p.GitBranch
		}
		if x, ok := sessions[sid]; ok {
			if c.branch == "" {
				c.branch = x.branch
			}
			c.thread = x.thread
			if c.project == "" {
				c.project = x.project
			}
		}
		commits = append(commits, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	byThread := map[string][]*cycleCommit{}
	byBranch := map[[2]string][]*cycleCommit{} // (project, branch)
	for i := range commits {
		c := &commits[i]
		byThread[c.thread] = append(byThread[c.thread], c)
		if c.branch != "" {
			k := [2]string{c.project, c.branch}
			byBranch[k] = append(byBranch[k], c)
		}
	}
	// The PRs that pass the filters: pull_request rows carry the project
	// (the line's, else the session's) and session type; thread is the
	// session's (root session, else itself).
	where, args := windowFilter(eventIs(facts.EventPullRequest), nil, "te.occurred_at", q.Start, q.End)
	filter, fargs := s.filterConds(q.Filters, true, rowDimsOf(srcEvents))
	args = append(args, fargs...)
	var rows []PRCycle
	err = s.queryRows(ctx, "cycle time", `SELECT r.fact_key, r.session_id, r.root_session_id, r.project, r.occurred_at, r.payload_json
FROM (SELECT te.fact_key, te.session_id, te.root_session_id, te.session_type, te.occurred_at, te.payload_json,
        CASE WHEN te.project <> '' THEN te.project ELSE COALESCE(ps.project, '') END AS project,
        CASE WHEN ps.session_id IS NULL THEN `+threadKeySQLOf("te")+` ELSE `+threadKeySQLOf("ps")+` END AS thread
    FROM telemetry_events te LEFT JOIN sessions ps ON ps.session_id = te.session_id WHERE `+where+`) r
WHERE 1 = 1`+filter+` ORDER BY r.occurred_at, r.fact_key`, args, func(r *sql.Rows) error {
		var key, sid, root, payload string
		var pr PRCycle
		if err := r.Scan(&key, &sid, &root, &pr.Project, &pr.CreatedMs, &payload); err != nil {
			return err
		}
		pr.URL, pr.SessionID = strings.TrimPrefix(key, "pr:"), sid
		pr.Number = prNumber(pr.URL)
		var p struct {
			GitBranch string `json:"git_branch"`
		}
		_ = json.Unmarshal([]byte(payload), &p)
		pr.Branch = p.GitBranch
		thread := threadOf(sid, root)
		if x, ok := sessions[sid]; ok {
			thread = x.thread
			if pr.Branch == "" {
				pr.Branch = x.branch
			}
			if pr.Project == "" {
				pr.Project = x.project
			}
		}
		// Candidates: the thread's commits and the branch's (each time
		// ordered); a commit in both counts once.
		cands := byThread[thread]
		if pr.Branch != "" && pr.Branch != "main" && pr.Branch != "master" {
			cands = append(append([]*cycleCommit(nil), cands...), byBranch[[2]string{pr.Project, pr.Branch}]...)
		}
		seen := map[string]bool{}
		for _, c := range cands {
			if c.at > pr.CreatedMs || seen[c.sha] {
				continue
			}
			seen[c.sha] = true
			pr.Commits++
			if pr.FirstCommitMs == nil || c.at < *pr.FirstCommitMs || (c.at == *pr.FirstCommitMs && c.sha < pr.FirstCommit) {
				first := c.at
				pr.FirstCommit, pr.FirstCommitMs = c.sha, &first
			}
		}
		if pr.FirstCommitMs != nil {
			cycle := pr.CreatedMs - *pr.FirstCommitMs
			pr.CycleMs = &cycle
		}
		rows = append(rows, pr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &CycleTimes{PRs: len(rows), Rows: []PRCycle{}}
	var cycles []int64
	var sum int64
	for _, pr := range rows {
		if pr.CycleMs != nil {
			cycles = append(cycles, *pr.CycleMs)
			sum += *pr.CycleMs
		}
	}
	if out.WithCommit = len(cycles); len(cycles) > 0 {
		sort.Slice(cycles, func(i, j int) bool { return cycles[i] < cycles[j] })
		mean, median := sum/int64(len(cycles)), cycles[(len(cycles)-1)/2]
		out.MeanMs, out.MedianMs = &mean, &median
	}
	out.Rows = append(out.Rows, page(rows, q.Limit, q.Offset)...)
	return out, nil
}
