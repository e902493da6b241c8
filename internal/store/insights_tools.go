package store

import (
	"context"
	"database/sql"
	"sort"
)

// DefaultLoopRepeats is the default loop threshold: the same tool on the
// same input called this many times in one session.
const DefaultLoopRepeats = 3

// Command classes (transcript.ClassifyCommand), in reporting order.
var commandClasses = []string{"test", "lint", "build", "other"}

// insightCall is a tool call as the tool insights read it.
type insightCall struct {
	id, session, project, tool string
	at                         int64
	ended                      bool
	isError                    bool
	hash, class                string
}

// loadCalls reads the tool calls in scope in (session, time, id) order;
// extra adds conditions on the call (r) and its input (i).
func (s *Store) loadCalls(ctx context.Context, what string, q *InsightQuery, extra string) ([]insightCall, error) {
	if err := s.needTable(ctx, "tool_inputs", "query"); err != nil {
		return nil, err
	}
	window, args := windowFilter("1 = 1", nil, "at_ms", q.Start, q.End)
	filter, fargs := s.filterConds(q.Filters, false, rowDimsOf(srcTools))
	args = append(args, fargs...)
	var out []insightCall
	err := s.queryRows(ctx, what, `SELECT r.tool_use_id, r.session_id, r.project, r.tool, r.at_ms,
    r.ended_ms IS NOT NULL, COALESCE(r.is_error, 0), COALESCE(i.input_hash, ''), COALESCE(i.command_class, '')
FROM (SELECT tool_use_id, session_id, project, session_type, tool_name AS tool, at_ms, ended_ms, is_error
    FROM tool_calls WHERE `+window+`) r
LEFT JOIN tool_inputs i ON i.tool_use_id = r.tool_use_id
WHERE 1 = 1`+filter+extra+` ORDER BY r.session_id, r.at_ms, r.tool_use_id`, args, func(r *sql.Rows) error {
		var c insightCall
		var isErr int64
		if err := r.Scan(&c.id, &c.session, &c.project, &c.tool, &c.at, &c.ended, &isErr, &c.hash, &c.class); err != nil {
			return err
		}
		c.isError = isErr != 0
		out = append(out, c)
		return nil
	})
	return out, err
}

// Retries counts re-issues of tool calls after a failure.
//
// Per session, calls are taken in time order and keyed by tool + input hash
// (calls without a hash or without a result are skipped). A call whose key's
// previous call failed is a retry. A success ends the key's run: its retries
// are the failed attempts since the key's previous success, so a call that
// failed twice and then passed is one success with 2 retries. A run that
// ends in a failure is abandoned. RetriesPerSuccess = retries that ended in
// a success / successes. Failures before the window start are not seen.
type Retries struct {
	RetryCounts
	ByTool []ToolRetries `json:"by_tool"` // tools with at least one call, by name
}

// RetryCounts are the numbers of Retries, for all tools or one.
type RetryCounts struct {
	Calls             int64 `json:"calls"`               // calls with an input hash and a result
	Successes         int64 `json:"successes"`           // of those, the ones that did not fail
	RetriedSuccesses  int64 `json:"retried_successes"`   // successes that needed at least one retry
	Retries           int64 `json:"retries"`             // all re-issues after a failure
	RetriesToSuccess  int64 `json:"retries_to_success"`  // re-issues in runs that ended in a success
	Abandoned         int64 `json:"abandoned"`           // runs that ended in a failure after at least one call
	RetriesPerSuccess Value `json:"retries_per_success"` // RetriesToSuccess / Successes; null without successes
}

// ToolRetries is RetryCounts of one tool.
type ToolRetries struct {
	Tool string `json:"tool"`
	RetryCounts
}

// Retries computes retry counts of the tool calls in scope.
func (s *Store) Retries(ctx context.Context, q InsightQuery) (*Retries, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	calls, err := s.loadCalls(ctx, "retries", &q, " AND r.ended_ms IS NOT NULL AND i.input_hash <> ''")
	if err != nil {
		return nil, err
	}
	type key struct{ tool, hash string }
	byTool := map[string]*RetryCounts{}
	var all RetryCounts
	failed := map[key]int64{} // failed attempts since the key's last success, per session
	flush := func() {
		for k, n := range failed {
			if n > 0 {
				all.Abandoned++
				byTool[k.tool].Abandoned++
			}
		}
		clear(failed)
	}
	for i, c := range calls {
		if i > 0 && calls[i-1].session != c.session {
			flush()
		}
		tc := byTool[c.tool]
		if tc == nil {
			tc = &RetryCounts{}
			byTool[c.tool] = tc
		}
		k := key{c.tool, c.hash}
		n := failed[k]
		for _, rc := range []*RetryCounts{&all, tc} {
			rc.Calls++
			if n > 0 {
				rc.Retries++
			}
			if !c.isError {
				rc.Successes++
				rc.RetriesToSuccess += n
				if n > 0 {
					rc.RetriedSuccesses++
				}
			}
		}
		if c.isError {
			failed[k] = n + 1
		} else {
			delete(failed, k)
		}
	}
	flush()
	out := &Retries{RetryCounts: all, ByTool: []ToolRetries{}}
	out.RetriesPerSuccess = ratioValue(all.RetriesToSuccess, all.Successes)
	for _, tool := range sortedKeys(byTool) {
		rc := *byTool[tool]
		rc.RetriesPerSuccess = ratioValue(rc.RetriesToSuccess, rc.Successes)
		out.ByTool = append(out.ByTool, ToolRetries{Tool: tool, RetryCounts: rc})
	}
	return out, nil
}

// Loops lists (session, tool, input) triples called at least MinRepeats
// times in the window: an agent stuck re-running the same thing.
type Loops struct {
	MinRepeats int           `json:"min_repeats"`
	Loops      int           `json:"loops"` // loops in scope, before paging
	Sessions   []LoopSession `json:"sessions"`
	Rows       []Loop        `json:"rows"`
}

// LoopSession counts the loops of one session.
type LoopSession struct {
	SessionID string `json:"session_id"`
	Loops     int64  `json:"loops"`
	Calls     int64  `json:"calls"` // calls in those loops
}

// Loop is one repeated call.
type Loop struct {
	SessionID string `json:"session_id"`
	Project   string `json:"project"`
	Tool      string `json:"tool"`
	InputHash string `json:"input_hash"`
	Calls     int64  `json:"calls"`
	Errors    int64  `json:"errors"`
	FirstMs   int64  `json:"first_ms"`
	LastMs    int64  `json:"last_ms"`
}

// Loops finds repeated identical tool calls. Rows are ordered by calls
// (most first), then session, tool and hash; sessions by id.
func (s *Store) Loops(ctx context.Context, q InsightQuery) (*Loops, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	if q.MinRepeats == 0 {
		q.MinRepeats = DefaultLoopRepeats
	}
	if q.MinRepeats < 2 {
		return nil, queryErrorf("min_repeats", "must be at least 2, got %d", q.MinRepeats)
	}
	calls, err := s.loadCalls(ctx, "loops", &q, " AND i.input_hash <> ''")
	if err != nil {
		return nil, err
	}
	type key struct{ session, tool, hash string }
	groups := map[key]*Loop{}
	for _, c := range calls {
		k := key{c.session, c.tool, c.hash}
		l := groups[k]
		if l == nil {
			l = &Loop{SessionID: c.session, Project: c.project, Tool: c.tool, InputHash: c.hash, FirstMs: c.at, LastMs: c.at}
			groups[k] = l
		}
		l.Calls++
		if c.isError {
			l.Errors++
		}
		l.FirstMs, l.LastMs = min(l.FirstMs, c.at), max(l.LastMs, c.at)
	}
	out := &Loops{MinRepeats: q.MinRepeats, Sessions: []LoopSession{}, Rows: []Loop{}}
	var loops []Loop
	perSession := map[string]*LoopSession{}
	for _, l := range groups {
		if l.Calls < int64(q.MinRepeats) {
			continue
		}
		loops = append(loops, *l)
		ps := perSession[l.SessionID]
		if ps == nil {
			ps = &LoopSession{SessionID: l.SessionID}
			perSession[l.SessionID] = ps
		}
		ps.Loops++
		ps.Calls += l.Calls
	}
	sort.Slice(loops, func(i, j int) bool {
		a, b := loops[i], loops[j]
		if a.Calls != b.Calls {
			return a.Calls > b.Calls
		}
		return lessStrings([]string{a.SessionID, a.Tool, a.InputHash}, []string{b.SessionID, b.Tool, b.InputHash})
	})
	for _, id := range sortedKeys(perSession) {
		out.Sessions = append(out.Sessions, *perSession[id])
	}
	out.Loops = len(loops)
	out.Rows = append(out.Rows, page(loops, q.Limit, q.Offset)...)
	return out, nil
}

// CommandOutcomes are the outcomes of Bash commands by class.
type CommandOutcomes struct {
	Classes []CommandClassOutcome `json:"classes"` // test, lint, build, other
}

// CommandClassOutcome counts one class. A command passed when its result is
// not an error (Bash reports a non-zero exit as an error); Pending have no
// result. PassRate = Passed / (Passed + Failed); null without outcomes.
type CommandClassOutcome struct {
	Class    string `json:"class"`
	Calls    int64  `json:"calls"`
	Passed   int64  `json:"passed"`
	Failed   int64  `json:"failed"`
	Pending  int64  `json:"pending"`
	PassRate Value  `json:"pass_rate"`
}

// Commands counts test/lint/build/other Bash commands and their outcomes.
func (s *Store) Commands(ctx context.Context, q InsightQuery) (*CommandOutcomes, error) {
	if err := s.validateInsight(ctx, &q); err != nil {
		return nil, err
	}
	calls, err := s.loadCalls(ctx, "commands", &q, " AND i.command_class <> ''")
	if err != nil {
		return nil, err
	}
	counts := map[string]*CommandClassOutcome{}
	for _, c := range commandClasses {
		counts[c] = &CommandClassOutcome{Class: c}
	}
	for _, c := range calls {
		o := counts[c.class]
		if o == nil { // a class this build does not know: report it too
			o = &CommandClassOutcome{Class: c.class}
			counts[c.class] = o
		}
		o.Calls++
		switch {
		case !c.ended:
			o.Pending++
		case c.isError:
			o.Failed++
		default:
			o.Passed++
		}
	}
	out := &CommandOutcomes{}
	order := append([]string(nil), commandClasses...)
	for _, c := range sortedKeys(counts) {
		if !contains(commandClasses, c) {
			order = append(order, c)
		}
	}
	for _, c := range order {
		o := counts[c]
		o.PassRate = ratioValue(o.Passed, o.Passed+o.Failed)
		out.Classes = append(out.Classes, *o)
	}
	return out, nil
}
