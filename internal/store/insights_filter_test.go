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

// The insight filters mean what they mean on every metric (Filters): rows
// that carry the dimension are selected by it, other dimensions select the
// sessions with a matching fact, feature/task the linked threads. Each test
// below names the dimension the rows carry and the ones they do not.

// insightLink links an entity to a session (the first entity type → session).
func insightLink(entity, id, session string) facts.Fact {
	return linkFact(entity, id, facts.EntitySession, session, 1, facts.LinkExplicit, 1, at(0))
}

func TestTopologyFilters(t *testing.T) {
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
	totalsR := TopologyTotals{Sessions: 5, Subagents: 4, MaxFanOut: 3, MaxDepth: 2, Unresolved: 1}
	tests := []struct {
		name string
		q    InsightQuery
		want Topology
	}{
		// Sessions do not carry tools: tool=Task keeps the threads of the
		// sessions that called Task (only r), whole.
		{"tool selects sessions", InsightQuery{Filters: Filters{DimTool: {"Task"}}},
			Topology{Threads: 1, Rows: []ThreadTopology{threadR}, Totals: totalsR}},
		// A session's type selects it; its thread is described whole.
		{"session_type", InsightQuery{Filters: Filters{DimSessionType: {facts.SessionSubagent}}},
			Topology{Threads: 2, Rows: []ThreadTopology{threadR, threadO},
				Totals: TopologyTotals{Sessions: 7, Subagents: 5, MaxFanOut: 3, MaxDepth: 2, Orphaned: 1, Unresolved: 1}}},
		// The filters and the window hold for one session: only o/agent-x
		// is a subagent active from minute 9.
		{"session_type and window", InsightQuery{Filters: Filters{DimSessionType: {facts.SessionSubagent}}, Start: at(9 * time.Minute)},
			Topology{Threads: 1, Rows: []ThreadTopology{threadO},
				Totals: TopologyTotals{Sessions: 2, Subagents: 1, MaxFanOut: 1, MaxDepth: 1, Orphaned: 1}}},
		// AND across dimensions: every session used opus, only s is in /q.
		{"model_family and project", InsightQuery{Filters: Filters{DimModelFamily: {"opus"}, DimProject: {"/q"}}},
			Topology{Threads: 1, Rows: []ThreadTopology{threadS}, Totals: TopologyTotals{Sessions: 1}}},
		// F is linked to the subagent r/agent-b: the link counts for thread r.
		{"feature linked to a subagent", InsightQuery{Filters: Filters{DimFeature: {"F"}}},
			Topology{Threads: 1, Rows: []ThreadTopology{threadR}, Totals: totalsR}},
		{"no match", InsightQuery{Filters: Filters{DimModel: {"claude-haiku-4-5"}}},
			Topology{Rows: []ThreadTopology{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, append(topologyFacts(), insightLink(facts.EntityFeature, "F", "r/agent-b")))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Topology(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

// toolFilterFacts are toolFacts plus an opus API request in s1 and task T
// linked to s2.
func toolFilterFacts() []facts.Fact {
	return append(toolFacts(),
		apiFact("m1", "s1", "claude-opus-4-6", at(30*time.Second), facts.Usage{Input: 1}, 1),
		insightLink(facts.EntityTask, "T", "s2"))
}

func TestRetriesFilters(t *testing.T) {
	s2 := retryCounts(3, 2, 1, 1, 1, 0)
	tests := []struct {
		name string
		q    InsightQuery
		want Retries
	}{
		// Tool calls carry the tool: tool=Read keeps Read's calls.
		{"tool selects calls", InsightQuery{Filters: Filters{DimTool: {"Read"}}}, Retries{
			RetryCounts: retryCounts(1, 1, 0, 0, 0, 0), ByTool: []ToolRetries{{Tool: "Read", RetryCounts: retryCounts(1, 1, 0, 0, 0, 0)}}}},
		// They do not carry the model: model=opus keeps the calls of s1
		// (the session that used it). s1: A fail, fail, ok, ok; B fail,
		// fail; C ok.
		{"model selects sessions", InsightQuery{Filters: Filters{DimModel: {"claude-opus-4-6"}}}, Retries{
			RetryCounts: retryCounts(7, 3, 1, 3, 2, 1), ByTool: []ToolRetries{
				{Tool: "Bash", RetryCounts: retryCounts(6, 2, 1, 3, 2, 1)},
				{Tool: "Read", RetryCounts: retryCounts(1, 1, 0, 0, 0, 0)},
			}}},
		// T is linked to s2: its thread's calls.
		{"task selects threads", InsightQuery{Filters: Filters{DimTask: {"T"}}}, Retries{
			RetryCounts: s2, ByTool: []ToolRetries{{Tool: "Bash", RetryCounts: s2}}}},
		{"no match", InsightQuery{Filters: Filters{DimModelFamily: {"sonnet"}}}, Retries{
			RetryCounts: retryCounts(0, 0, 0, 0, 0, 0), ByTool: []ToolRetries{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFilterFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Retries(context.Background(), tt.q)
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

func TestLoopsFilters(t *testing.T) {
	loopA := Loop{SessionID: "s1", Project: "/p", Tool: "Bash", InputHash: "hA", Calls: 4, Errors: 2,
		FirstMs: *ms(time.Minute), LastMs: *ms(4 * time.Minute)}
	loopB := Loop{SessionID: "s1", Project: "/p", Tool: "Bash", InputHash: "hB", Calls: 2, Errors: 2,
		FirstMs: *ms(5 * time.Minute), LastMs: *ms(6 * time.Minute)}
	loopS2 := Loop{SessionID: "s2", Project: "/q", Tool: "Bash", InputHash: "hA", Calls: 2, Errors: 1,
		FirstMs: *ms(10 * time.Minute), LastMs: *ms(11 * time.Minute)}
	tests := []struct {
		name string
		f    Filters
		want Loops
	}{
		{"model selects sessions", Filters{DimModel: {"claude-opus-4-6"}}, Loops{MinRepeats: 2, Loops: 2,
			Sessions: []LoopSession{{SessionID: "s1", Loops: 2, Calls: 6}}, Rows: []Loop{loopA, loopB}}},
		{"task selects threads", Filters{DimTask: {"T"}}, Loops{MinRepeats: 2, Loops: 1,
			Sessions: []LoopSession{{SessionID: "s2", Loops: 1, Calls: 2}}, Rows: []Loop{loopS2}}},
		{"tool selects calls", Filters{DimTool: {"Read", "Grep"}}, Loops{MinRepeats: 2, Sessions: []LoopSession{}, Rows: []Loop{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFilterFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Loops(context.Background(), InsightQuery{MinRepeats: 2, Filters: tt.f})
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

func TestCommandsFilters(t *testing.T) {
	none := func(class string) CommandClassOutcome {
		return CommandClassOutcome{Class: class, PassRate: ratioValue(0, 0)}
	}
	tests := []struct {
		name string
		f    Filters
		want []CommandClassOutcome
	}{
		// s1's commands only.
		{"model selects sessions", Filters{DimModel: {"claude-opus-4-6"}}, []CommandClassOutcome{
			{Class: "test", Calls: 4, Passed: 2, Failed: 2, PassRate: ratioValue(1, 2)},
			{Class: "lint", Calls: 1, Pending: 1, PassRate: ratioValue(0, 0)},
			{Class: "build", Calls: 2, Failed: 2, PassRate: ratioValue(0, 2)},
			none("other"),
		}},
		// s2's commands only.
		{"task selects threads", Filters{DimTask: {"T"}}, []CommandClassOutcome{
			{Class: "test", Calls: 2, Passed: 1, Failed: 1, PassRate: ratioValue(1, 2)},
			none("lint"), none("build"),
			{Class: "other", Calls: 1, Passed: 1, PassRate: ratioValue(1, 1)},
		}},
		// Commands are Bash calls: a filter on another tool keeps none.
		{"tool selects calls", Filters{DimTool: {"Read"}}, []CommandClassOutcome{none("test"), none("lint"), none("build"), none("other")}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, toolFilterFacts())
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Commands(context.Background(), InsightQuery{Filters: tt.f})
				require.NoError(t, err)
				assert.Equal(t, tt.want, got.Classes)
			})
		}
	})
}

func TestCycleTimesFilters(t *testing.T) {
	pr5 := PRCycle{URL: "https://github.com/o/r/pull/5", Number: 5, SessionID: "w", Project: "/p", Branch: "feat/x",
		CreatedMs: *ms(30 * time.Minute), Commits: 3, FirstCommit: "bbb1", FirstCommitMs: ms(5 * time.Minute), CycleMs: dur(25 * time.Minute)}
	pr6 := PRCycle{URL: "https://github.com/o/r/pull/6", Number: 6, SessionID: "v", Project: "/p", Branch: "main",
		CreatedMs: *ms(40 * time.Minute), Commits: 1, FirstCommit: "ddd1", FirstCommitMs: ms(35 * time.Minute), CycleMs: dur(5 * time.Minute)}
	pr7 := PRCycle{URL: "https://github.com/o/r/pull/7", Number: 7, SessionID: "n", Project: "/p", Branch: "feat/y",
		CreatedMs: *ms(45 * time.Minute)}
	tests := []struct {
		name string
		f    Filters
		want CycleTimes
	}{
		// v called Bash: its PR 6.
		{"tool selects sessions", Filters{DimTool: {"Bash"}}, CycleTimes{PRs: 1, WithCommit: 1,
			MeanMs: dur(5 * time.Minute), MedianMs: dur(5 * time.Minute), Rows: []PRCycle{pr6}}},
		// n used haiku: PR 7, without commits.
		{"model_family selects sessions", Filters{DimModelFamily: {"haiku"}}, CycleTimes{PRs: 1, Rows: []PRCycle{pr7}}},
		// T is linked to w: PR 5, whose commits include w2's (filters
		// select PRs, not their commits).
		{"task selects threads", Filters{DimTask: {"T"}}, CycleTimes{PRs: 1, WithCommit: 1,
			MeanMs: dur(25 * time.Minute), MedianMs: dur(25 * time.Minute), Rows: []PRCycle{pr5}}},
		{"AND across dimensions", Filters{DimTask: {"T"}, DimTool: {"Bash"}}, CycleTimes{Rows: []PRCycle{}}},
		{"session_type", Filters{DimSessionType: {facts.SessionSubagent}}, CycleTimes{Rows: []PRCycle{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, append(cycleFacts(),
			toolUse("tb", "v", "Bash", at(36*time.Minute)),
			apiFact("mn", "n", "claude-haiku-4-5", at(44*time.Minute), facts.Usage{Input: 1}, 1),
			insightLink(facts.EntityTask, "T", "w")))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.CycleTimes(context.Background(), InsightQuery{Filters: tt.f})
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

func TestAttributionFilters(t *testing.T) {
	money := func(n int64) Value { return Value{raw: n, nanos: true} }
	tokens := func(n int64) Value { return Value{raw: n} }
	one, two := int64(1), int64(2)
	t1 := func(cost, tok, sessions int64) AttributedEntity {
		return AttributedEntity{ID: "T1", CostUSD: money(cost), Tokens: tokens(tok), Sessions: sessions, Status: progress.StatusDone, Title: "title T1"}
	}
	t2 := func(cost, tok, sessions int64) AttributedEntity {
		return AttributedEntity{ID: "T2", CostUSD: money(cost), Tokens: tokens(tok), Sessions: sessions, Status: progress.StatusInProgress, Title: "title T2"}
	}
	perTask := func(n int64) *Value { v := tokens(n); return &v }
	perTaskCost := func(n int64) *Value { v := money(n); return &v }
	tests := []struct {
		name string
		f    Filters
		want Attribution
	}{
		// API requests carry the session type: only a1/agent-s's request
		// (500 tokens, $1), which inherits a1's links T1 and T2 (half
		// each). Tasks have no session type: T1 and T4 are the completed
		// tasks, (250 + 0) / 2 per task.
		{"session_type selects requests", Filters{DimSessionType: {facts.SessionSubagent}}, Attribution{
			Entity: facts.EntityTask, TotalCostUSD: money(1_000_000_000), TotalTokens: tokens(500),
			UnattributedCostUSD: money(0), UnattributedTokens: tokens(0), Entities: 2,
			CompletedTasks: &two, TokensPerCompletedTask: perTask(125), CostPerCompletedTask: perTaskCost(250_000_000),
			Rows: []AttributedEntity{t1(500_000_000, 250, 1), t2(500_000_000, 250, 1)}}},
		// Requests carry the model: a2's sonnet request (40 tokens, 40
		// nanos) alone, split 1:3 over T2 and T3.
		{"model_family selects requests", Filters{DimModelFamily: {"sonnet"}}, Attribution{
			Entity: facts.EntityTask, TotalCostUSD: money(40), TotalTokens: tokens(40),
			UnattributedCostUSD: money(0), UnattributedTokens: tokens(0), Entities: 2,
			CompletedTasks: &two, TokensPerCompletedTask: perTask(0), CostPerCompletedTask: perTaskCost(0),
			Rows: []AttributedEntity{{ID: "T3", CostUSD: money(30), Tokens: tokens(30), Sessions: 1}, t2(10, 10, 1)}}},
		// T1 is linked to a1: the usage of its thread (a1 and a1/agent-s,
		// 1500 tokens, $4), split over a1's tasks T1 and T2. The task
		// filter applies to tasks too: T1 is the one completed task.
		{"task selects threads and tasks", Filters{DimTask: {"T1"}}, Attribution{
			Entity: facts.EntityTask, TotalCostUSD: money(4_000_000_000), TotalTokens: tokens(1500),
			UnattributedCostUSD: money(0), UnattributedTokens: tokens(0), Entities: 2,
			CompletedTasks: &one, TokensPerCompletedTask: perTask(750), CostPerCompletedTask: perTaskCost(2_000_000_000),
			Rows: []AttributedEntity{t1(2_000_000_000, 750, 2), t2(2_000_000_000, 750, 2)}}},
		// Requests do not carry tools: a3 called Bash, its usage is not
		// attributed.
		{"tool selects sessions", Filters{DimTool: {"Bash"}}, Attribution{
			Entity: facts.EntityTask, TotalCostUSD: money(90), TotalTokens: tokens(90),
			UnattributedCostUSD: money(90), UnattributedTokens: tokens(90),
			CompletedTasks: &two, TokensPerCompletedTask: perTask(0), CostPerCompletedTask: perTaskCost(0),
			Rows: []AttributedEntity{}}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		insightWriteTwice(t, s, append(attributionFacts(),
			apiFact("m5", "a2", "claude-sonnet-4-5", at(5*time.Minute), facts.Usage{Input: 40}, 40),
			toolUse("tb", "a3", "Bash", at(4*time.Minute))))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.Attribution(context.Background(), InsightQuery{Filters: tt.f})
				require.NoError(t, err)
				assert.Equal(t, tt.want, *got)
			})
		}
	})
}

// TestInsightFiltersBad: every insight refuses a bad filter with a
// QueryError naming it.
func TestInsightFiltersBad(t *testing.T) {
	queries := map[string]func(*Store, context.Context, InsightQuery) error{
		"topology":    func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.Topology(ctx, q); return err },
		"retries":     func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.Retries(ctx, q); return err },
		"loops":       func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.Loops(ctx, q); return err },
		"commands":    func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.Commands(ctx, q); return err },
		"cycle time":  func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.CycleTimes(ctx, q); return err },
		"attribution": func(s *Store, ctx context.Context, q InsightQuery) error { _, err := s.Attribution(ctx, q); return err },
	}
	bad := map[string]Filters{
		"nope":         {"nope": {"x"}},
		DimTool:        {DimTool: {}},
		DimModelFamily: {DimModelFamily: {"opus", ""}},
		DimFeature:     {DimFeature: {""}},
		DimSessionType: {DimSessionType: nil},
	}
	s := openStore(t, "sqlite")
	for name, query := range queries {
		for param, f := range bad {
			err := query(s, context.Background(), InsightQuery{Filters: f})
			var qe *QueryError
			require.ErrorAs(t, err, &qe, "%s %s", name, param)
			assert.Equal(t, param, qe.Param, name)
		}
	}
}
