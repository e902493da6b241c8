package store

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// insightWriteTwice writes fs, then the same facts again reversed: every
// insight must be a function of the stored facts only.
func insightWriteTwice(t *testing.T, s *Store, fs []facts.Fact) {
	t.Helper()
	write(t, s, fs...)
	rev := make([]facts.Fact, len(fs))
	for i, f := range fs {
		rev[len(fs)-1-i] = f
	}
	write(t, s, rev...)
}

func subAPI(msgID, session, parent, root string, ts time.Time, u facts.Usage, cost int64) facts.Fact {
	f := apiFact(msgID, session, "claude-opus-4-6", ts, u, cost)
	f.SessionType, f.ParentSessionID, f.RootSessionID = facts.SessionSubagent, parent, root
	return f
}

func ms(d time.Duration) *int64 { v := at(d).UnixMilli(); return &v }

func dur(d time.Duration) *int64 { v := d.Milliseconds(); return &v }

// topologyFacts: thread r has subagents a, b, c (spawned by r) and d
// (spawned by a); r's Task call task2 never got a result. Thread o is an
// orphan: only a link fact names o (no activity of its own). s is a lone
// session of project /q two hours later.
func topologyFacts() []facts.Fact {
	u := facts.Usage{Input: 1}
	link := facts.Fact{Key: "agentlink:o:x", Event: facts.EventSubagentLinked, Time: at(9 * time.Minute),
		SessionID: "o", RootSessionID: "o", SessionType: facts.SessionMain, Project: "/p", AgentID: "x"}
	s := apiFact("ms", "s", "claude-opus-4-6", at(2*time.Hour), u, 1)
	s.Project = "/q"
	task1, task2 := toolUse("task1", "r", "Task", at(2*time.Minute)), toolUse("task2", "r", "Task", at(4*time.Minute))
	// task2 started r/agent-c (an agent_progress line named it), which never returned.
	spawnC := facts.Fact{Key: "agentlink:r:c", Event: facts.EventSubagentLinked, Time: at(7 * time.Minute),
		SessionID: "r", RootSessionID: "r", SessionType: facts.SessionMain, Project: "/p", AgentID: "c",
		ToolUseID: "task2", Payload: `{"childSessionId":"r/agent-c","source":"agent_progress"}`}
	return []facts.Fact{
		apiFact("mr", "r", "claude-opus-4-6", at(time.Minute), u, 1),
		task1, toolResult("task1", "r", at(3*time.Minute), false, 0), task2, spawnC,
		subAPI("ma", "r/agent-a", "r", "r", at(5*time.Minute), u, 1),
		subAPI("mb", "r/agent-b", "r", "r", at(6*time.Minute), u, 1),
		subAPI("mc", "r/agent-c", "r", "r", at(7*time.Minute), u, 1),
		subAPI("md", "r/agent-d", "r/agent-a", "r", at(8*time.Minute), u, 1),
		link,
		subAPI("mx", "o/agent-x", "o", "o", at(10*time.Minute), u, 1),
		s,
	}
}

func TestTopology(t *testing.T) {
	threadR := ThreadTopology{RootSessionID: "r", RootStored: true, Project: "/p",
		FirstSeenMs: ms(time.Minute), LastSeenMs: ms(8 * time.Minute),
		Sessions: 5, Subagents: 4, MaxFanOut: 3, MaxDepth: 2, Orphaned: []string{},
		Unresolved: []UnresolvedSpawn{{ToolUseID: "task2", SessionID: "r", SubagentSessionID: "r/agent-c"}}}
	threadO := ThreadTopology{RootSessionID: "o", RootStored: false, Project: "/p",
		FirstSeenMs: ms(9 * time.Minute), LastSeenMs: ms(10 * time.Minute),
		Sessions: 2, Subagents: 1, MaxFanOut: 1, MaxDepth: 1, Orphaned: []string{"o/agent-x"}, Unresolved: []UnresolvedSpawn{}}
	threadS := ThreadTopology{RootSessionID: "s", RootStored: true, Project: "/q",
		FirstSeenMs: ms(2 * time.Hour), LastSeenMs: ms(2 * time.Hour),
		Sessions: 1, Orphaned: []string{}, Unresolved: []UnresolvedSpawn{}}
	tests := []struct {
		name string
		q    InsightQuery
		want Topology
	}{
		{"all", InsightQuery{}, Topology{Threads: 3, Rows: []ThreadTopology{threadR, threadO, threadS},
			Totals: TopologyTotals{Sessions: 8, Subagents: 5, MaxFanOut: 3, MaxDepth: 2, Orphaned: 1, Unresolved: 1}}},
		{"project", InsightQuery{Filters: Filters{DimProject: {"/q"}}}, Topology{Threads: 1, Rows: []ThreadTopology{threadS},
			Totals: TopologyTotals{Sessions: 1}}},
		{"window", InsightQuery{Start: at(time.Hour)}, Topology{Threads: 1, Rows: []ThreadTopology{threadS},
			Totals: TopologyTotals{Sessions: 1}}},
		{"page", InsightQuery{Limit: 1, Offset: 1}, Topology{Threads: 3, Rows: []ThreadTopology{threadO},
			Totals: TopologyTotals{Sessions: 8, Subagents: 5, MaxFanOut: 3, MaxDepth: 2, Orphaned: 1, Unresolved: 1}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, topologyFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Topology(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

// toolFacts: s1 (project /p) and s2 (project /q), times in minutes:
//
//	s1  1 Bash A test  fail | 2 A fail | 3 A ok | 4 A ok | 5 Bash B build fail | 6 B fail
//	    7 Read C ok | 8 Grep without hash ok | 9 Bash E lint, no result
//	s2 10 Bash A test  fail | 11 A ok | 12 Bash F other ok
func toolFacts() []facts.Fact {
	var fs []facts.Fact
	call := func(id, session, tool, hash, class string, minute int, outcome string) {
		ts := at(time.Duration(minute) * time.Minute)
		u := toolUse(id, session, tool, ts)
		u.InputHash, u.CommandClass = hash, class
		if session == "s2" {
			u.Project = "/q"
		}
		fs = append(fs, u)
		if outcome == "" {
			return
		}
		r := toolResult(id, session, ts.Add(30*time.Second), outcome == "fail", 100)
		r.ToolName, r.InputHash, r.CommandClass, r.Project = tool, hash, class, u.Project
		fs = append(fs, r)
	}
	call("c01", "s1", "Bash", "hA", "test", 1, "fail")
	call("c02", "s1", "Bash", "hA", "test", 2, "fail")
	call("c03", "s1", "Bash", "hA", "test", 3, "ok")
	call("c04", "s1", "Bash", "hA", "test", 4, "ok")
	call("c05", "s1", "Bash", "hB", "build", 5, "fail")
	call("c06", "s1", "Bash", "hB", "build", 6, "fail")
	call("c07", "s1", "Read", "hC", "", 7, "ok")
	call("c08", "s1", "Grep", "", "", 8, "ok")
	call("c09", "s1", "Bash", "hE", "lint", 9, "")
	call("c10", "s2", "Bash", "hA", "test", 10, "fail")
	call("c11", "s2", "Bash", "hA", "test", 11, "ok")
	call("c12", "s2", "Bash", "hF", "other", 12, "ok")
	return fs
}

func retryCounts(calls, succ, retried, retries, toSucc, abandoned int64) RetryCounts {
	return RetryCounts{Calls: calls, Successes: succ, RetriedSuccesses: retried, Retries: retries,
		RetriesToSuccess: toSucc, Abandoned: abandoned, RetriesPerSuccess: ratioValue(toSucc, succ)}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name string
		q    InsightQuery
		want Retries
	}{
		{"all", InsightQuery{}, Retries{RetryCounts: retryCounts(10, 5, 2, 4, 3, 1), ByTool: []ToolRetries{
			{Tool: "Bash", RetryCounts: retryCounts(9, 4, 2, 4, 3, 1)},
			{Tool: "Read", RetryCounts: retryCounts(1, 1, 0, 0, 0, 0)},
		}}},
		{"project", InsightQuery{Filters: Filters{DimProject: {"/q"}}}, Retries{RetryCounts: retryCounts(3, 2, 1, 1, 1, 0), ByTool: []ToolRetries{
			{Tool: "Bash", RetryCounts: retryCounts(3, 2, 1, 1, 1, 0)},
		}}},
		// From minute 3 the failures of c01 and c02 are not seen: c03 is a
		// success without retries.
		{"window", InsightQuery{Start: at(3 * time.Minute)}, Retries{RetryCounts: retryCounts(8, 5, 1, 2, 1, 1), ByTool: []ToolRetries{
			{Tool: "Bash", RetryCounts: retryCounts(7, 4, 1, 2, 1, 1)},
			{Tool: "Read", RetryCounts: retryCounts(1, 1, 0, 0, 0, 0)},
		}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Retries(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
		t.Run("empty", func(t *testing.T) {
			got, err := s.Retries(context.Background(), InsightQuery{Filters: Filters{DimProject: {"/none"}}})
			require.NoError(t, err)
			assert.True(t, got.RetriesPerSuccess.IsNull())
			assert.Equal(t, []ToolRetries{}, got.ByTool)
		})
	})
}

func TestLoops(t *testing.T) {
	loopA := Loop{SessionID: "s1", Project: "/p", Tool: "Bash", InputHash: "hA", Calls: 4, Errors: 2,
		FirstMs: *ms(time.Minute), LastMs: *ms(4 * time.Minute)}
	loopB := Loop{SessionID: "s1", Project: "/p", Tool: "Bash", InputHash: "hB", Calls: 2, Errors: 2,
		FirstMs: *ms(5 * time.Minute), LastMs: *ms(6 * time.Minute)}
	loopS2 := Loop{SessionID: "s2", Project: "/q", Tool: "Bash", InputHash: "hA", Calls: 2, Errors: 1,
		FirstMs: *ms(10 * time.Minute), LastMs: *ms(11 * time.Minute)}
	tests := []struct {
		name string
		q    InsightQuery
		want Loops
	}{
		{"default threshold 3", InsightQuery{}, Loops{MinRepeats: 3, Loops: 1,
			Sessions: []LoopSession{{SessionID: "s1", Loops: 1, Calls: 4}}, Rows: []Loop{loopA}}},
		{"threshold 2", InsightQuery{MinRepeats: 2}, Loops{MinRepeats: 2, Loops: 3,
			Sessions: []LoopSession{{SessionID: "s1", Loops: 2, Calls: 6}, {SessionID: "s2", Loops: 1, Calls: 2}},
			Rows:     []Loop{loopA, loopB, loopS2}}},
		{"threshold 2, paged", InsightQuery{MinRepeats: 2, Limit: 1, Offset: 2}, Loops{MinRepeats: 2, Loops: 3,
			Sessions: []LoopSession{{SessionID: "s1", Loops: 2, Calls: 6}, {SessionID: "s2", Loops: 1, Calls: 2}},
			Rows:     []Loop{loopS2}}},
		{"threshold 5", InsightQuery{MinRepeats: 5}, Loops{MinRepeats: 5, Sessions: []LoopSession{}, Rows: []Loop{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Loops(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
		_, err := s.Loops(context.Background(), InsightQuery{MinRepeats: 1})
		var qe *QueryError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, "min_repeats", qe.Param)
	})
}

func TestCommands(t *testing.T) {
	want := CommandOutcomes{Classes: []CommandClassOutcome{
		{Class: "test", Calls: 6, Passed: 3, Failed: 3, PassRate: ratioValue(1, 2)},
		{Class: "lint", Calls: 1, Pending: 1, PassRate: ratioValue(0, 0)},
		{Class: "build", Calls: 2, Failed: 2, PassRate: ratioValue(0, 2)},
		{Class: "other", Calls: 1, Passed: 1, PassRate: ratioValue(1, 1)},
	}}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFacts())
		got, err := s.Commands(context.Background(), InsightQuery{})
		require.NoError(t, err)
		assert.Equal(t, want, *got)

		got, err = s.Commands(context.Background(), InsightQuery{Filters: Filters{DimProject: {"/q"}}})
		require.NoError(t, err)
		assert.Equal(t, CommandClassOutcome{Class: "test", Calls: 2, Passed: 1, Failed: 1, PassRate: ratioValue(1, 2)}, got.Classes[0])
		assert.Equal(t, CommandClassOutcome{Class: "build", PassRate: ratioValue(0, 0)}, got.Classes[2])
	})
}

// TestToolInputsOrderIndependent: tool_inputs keeps the non-empty values
// whatever the arrival order of a call's use and result facts.
func TestToolInputsOrderIndependent(t *testing.T) {
	use := toolUse("t1", "s1", "Bash", at(0))
	use.InputHash, use.CommandClass = "h1", "test"
	res := toolResult("t1", "s1", at(time.Second), false, 0) // a result read without its tool_use: no hash
	forEachDriver(t, func(t *testing.T, driver string) {
		for name, order := range map[string][][]facts.Fact{"use first": {{use}, {res}}, "result first": {{res}, {use}}, "one batch": {{res, use}}} {
			t.Run(name, func(t *testing.T) {
				s := openStore(t, driver)
				for _, b := range order {
					write(t, s, b...)
				}
				var hash, class string
				require.NoError(t, s.db.QueryRow("SELECT input_hash, command_class FROM tool_inputs WHERE tool_use_id = 't1'").Scan(&hash, &class))
				assert.Equal(t, []string{"h1", "test"}, []string{hash, class})
			})
		}
	})
}

// cycleFacts: session w (branch feat/x) commits at 10 and 20 and opens PR 5
// at 30 (and commits again at 50); session w2, another thread on feat/x,
// committed at 5 (git printed feat/x, its line said main). Session m committed on main at 1; session v on main
// commits at 35 and opens PR 6 at 40. Session n opens PR 7 at 45 without
// commits.
func cycleFacts() []facts.Fact {
	commit := func(sha, session, branch string, minute int) facts.Fact {
		return facts.Fact{Key: "commit:" + sha, Event: facts.EventCommit, Time: at(time.Duration(minute) * time.Minute),
			SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p", GitBranch: branch,
			CommitSHA: sha, ToolName: "Bash", Payload: `{"subject":"s","branch":"` + branch + `"}`}
	}
	// w2's transcript line still says main (git checkout -b ran in the same
	// command): the branch git printed counts.
	w2 := commit("bbb1", "w2", "feat/x", 5)
	w2.GitBranch = "main"
	pr := func(n, session, branch string, minute int) facts.Fact {
		url := "https://github.com/o/r/pull/" + n
		return facts.Fact{Key: "pr:" + url, Event: facts.EventPullRequest, Time: at(time.Duration(minute) * time.Minute),
			SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p", GitBranch: branch,
			PRURL: url, Payload: `{"source":"gh_pr_create"}`}
	}
	return []facts.Fact{
		commit("aaa1", "w", "feat/x", 10), commit("aaa2", "w", "feat/x", 20), pr("5", "w", "feat/x", 30),
		commit("aaa3", "w", "feat/x", 50), w2,
		commit("ccc1", "m", "main", 1), commit("ddd1", "v", "main", 35), pr("6", "v", "main", 40),
		pr("7", "n", "feat/y", 45),
	}
}

func TestCycleTimes(t *testing.T) {
	pr5 := PRCycle{URL: "https://github.com/o/r/pull/5", Number: 5, SessionID: "w", Project: "/p", Branch: "feat/x",
		CreatedMs: *ms(30 * time.Minute), Commits: 3, FirstCommit: "bbb1", FirstCommitMs: ms(5 * time.Minute), CycleMs: dur(25 * time.Minute)}
	pr6 := PRCycle{URL: "https://github.com/o/r/pull/6", Number: 6, SessionID: "v", Project: "/p", Branch: "main",
		CreatedMs: *ms(40 * time.Minute), Commits: 1, FirstCommit: "ddd1", FirstCommitMs: ms(35 * time.Minute), CycleMs: dur(5 * time.Minute)}
	pr7 := PRCycle{URL: "https://github.com/o/r/pull/7", Number: 7, SessionID: "n", Project: "/p", Branch: "feat/y",
		CreatedMs: *ms(45 * time.Minute)}
	tests := []struct {
		name string
		q    InsightQuery
		want CycleTimes
	}{
		// mean (25+5)/2 = 15 min; lower median of [5, 25] = 5 min.
		{"all", InsightQuery{}, CycleTimes{PRs: 3, WithCommit: 2, MeanMs: dur(15 * time.Minute), MedianMs: dur(5 * time.Minute),
			Rows: []PRCycle{pr5, pr6, pr7}}},
		{"window", InsightQuery{Start: at(35 * time.Minute)}, CycleTimes{PRs: 2, WithCommit: 1, MeanMs: dur(5 * time.Minute),
			MedianMs: dur(5 * time.Minute), Rows: []PRCycle{pr6, pr7}}},
		{"other project", InsightQuery{Filters: Filters{DimProject: {"/q"}}}, CycleTimes{Rows: []PRCycle{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, cycleFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.CycleTimes(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

// attributionFacts: a1 ($3, 1000 tokens) with subagent a1/agent-s ($1, 500
// tokens) is linked to tasks T1 and T2 with equal evidence; a2 (600 nanos,
// 300 tokens) to T2 (ambiguity 0.25) and T3 (0.75); a3 (90 nanos, 90
// tokens) to nothing. a1 made commits c1 (linked) and c2 (fact only), a2
// made c3 (fact only). T1 and T4 are done, T2 in progress.
func attributionFacts() []facts.Fact {
	commit := func(sha, session string) facts.Fact {
		return facts.Fact{Key: "commit:" + sha, Event: facts.EventCommit, Time: at(20 * time.Minute),
			SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p", CommitSHA: sha}
	}
	return []facts.Fact{
		apiFact("m1", "a1", "claude-opus-4-6", at(time.Minute), facts.Usage{Input: 1000}, 3_000_000_000),
		subAPI("m2", "a1/agent-s", "a1", "a1", at(2*time.Minute), facts.Usage{Output: 500}, 1_000_000_000),
		apiFact("m3", "a2", "claude-opus-4-6", at(3*time.Minute), facts.Usage{Input: 100, CacheRead: 200}, 600),
		apiFact("m4", "a3", "claude-opus-4-6", at(4*time.Minute), facts.Usage{Input: 90}, 90),
		linkFact(facts.EntityTask, "T1", facts.EntitySession, "a1", 0.9, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityTask, "T2", facts.EntitySession, "a1", 0.9, facts.LinkExplicit, 1, at(0)),
		linkFact(facts.EntityTask, "T2", facts.EntitySession, "a2", 0.5, facts.LinkInferred, 0.25, at(0)),
		linkFact(facts.EntityTask, "T3", facts.EntitySession, "a2", 0.5, facts.LinkInferred, 0.75, at(0)),
		linkFact(facts.EntitySession, "a1", facts.EntityCommit, "c1", 1, facts.LinkExplicit, 1, at(20*time.Minute)),
		commit("c1", "a1"), commit("c2", "a1"), commit("c3", "a2"),
		taskFact("f", "T1", "1", progress.StatusDone, at(time.Hour), at(time.Hour)),
		taskFact("f", "T2", "1", progress.StatusInProgress, at(time.Hour), time.Time{}),
		taskFact("f", "T4", "1", progress.StatusDone, at(time.Hour), at(time.Hour)),
	}
}

func TestAttribution(t *testing.T) {
	money := func(n int64) Value { return Value{raw: n, nanos: true} }
	tokens := func(n int64) Value { return Value{raw: n} }
	two := int64(2)
	perTaskTokens, perTaskCost := tokens(375), money(1_000_000_000) // (750 + 0) / 2, (2e9 + 0) / 2
	base := Attribution{TotalCostUSD: money(4_000_000_690), TotalTokens: tokens(1890),
		UnattributedCostUSD: money(90), UnattributedTokens: tokens(90)}
	tasks := base
	tasks.Entity, tasks.Entities = facts.EntityTask, 3
	tasks.CompletedTasks, tasks.TokensPerCompletedTask, tasks.CostPerCompletedTask = &two, &perTaskTokens, &perTaskCost
	tasks.Rows = []AttributedEntity{
		{ID: "T2", CostUSD: money(2_000_000_150), Tokens: tokens(825), Sessions: 3, Status: progress.StatusInProgress, Title: "title T2"},
		{ID: "T1", CostUSD: money(2_000_000_000), Tokens: tokens(750), Sessions: 2, Status: progress.StatusDone, Title: "title T1"},
		{ID: "T3", CostUSD: money(450), Tokens: tokens(225), Sessions: 1},
	}
	commits := base
	commits.Entity, commits.Entities = facts.EntityCommit, 3
	commits.Rows = []AttributedEntity{
		{ID: "c1", CostUSD: money(2_000_000_000), Tokens: tokens(750), Sessions: 2},
		{ID: "c2", CostUSD: money(2_000_000_000), Tokens: tokens(750), Sessions: 2},
		{ID: "c3", CostUSD: money(600), Tokens: tokens(300), Sessions: 1},
	}
	features := base
	features.Entity, features.Rows = facts.EntityFeature, []AttributedEntity{}
	features.UnattributedCostUSD, features.UnattributedTokens = features.TotalCostUSD, features.TotalTokens

	tests := []struct {
		name string
		q    InsightQuery
		want Attribution
	}{
		{"tasks (default)", InsightQuery{}, tasks},
		{"commits", InsightQuery{Entity: facts.EntityCommit}, commits},
		{"features: none linked", InsightQuery{Entity: facts.EntityFeature}, features},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, attributionFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Attribution(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
		t.Run("window drops a1", func(t *testing.T) {
			got, err := s.Attribution(context.Background(), InsightQuery{Start: at(3 * time.Minute), End: at(2 * time.Hour)})
			require.NoError(t, err)
			assert.Equal(t, tokens(390), got.TotalTokens)
			require.Len(t, got.Rows, 2) // T3 then T2
			assert.Equal(t, "T3", got.Rows[0].ID)
			assert.Equal(t, tokens(75), got.Rows[1].Tokens)
			// T1 and T4 completed in the window, with no usage attributed in it.
			assert.Equal(t, &two, got.CompletedTasks)
			assert.Equal(t, tokens(0), *got.TokensPerCompletedTask)
		})
		_, err := s.Attribution(context.Background(), InsightQuery{Entity: "repo"})
		var qe *QueryError
		require.ErrorAs(t, err, &qe)
		assert.Equal(t, "entity", qe.Param)
	})
}
