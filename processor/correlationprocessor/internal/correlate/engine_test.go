package correlate

import (
	"context"
	"maps"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

var t0 = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)

func testConfig() Config {
	return Config{TaskIDPatterns: []string{`\b[A-Z]+-\d+\b`}, ProgressDir: ".claude/progress", MaxSessions: 100, MaxTasks: 100, TTL: time.Hour}
}

func newEngine(t *testing.T, kv KV) *Engine {
	t.Helper()
	e, err := New(testConfig(), kv, func() time.Time { return t0 })
	require.NoError(t, err)
	return e
}

// memKV is an in-memory KV.
type memKV struct{ m map[string][]byte }

func (k *memKV) Get(_ context.Context, key string) ([]byte, error) { return k.m[key], nil }
func (k *memKV) Apply(_ context.Context, set map[string][]byte, del []string) error {
	if k.m == nil {
		k.m = map[string][]byte{}
	}
	maps.Copy(k.m, set)
	for _, d := range del {
		delete(k.m, d)
	}
	return nil
}

func sess(event, key string, mod func(*facts.Fact)) facts.Fact {
	f := facts.Fact{Key: key, Event: event, Time: t0, SessionID: "s1", RootSessionID: "s1", Project: "/p", GitBranch: "main"}
	if mod != nil {
		mod(&f)
	}
	return f
}

type got struct {
	conf, amb float64
	source    string
}

func linksOf(ls []Link) map[string]got {
	out := map[string]got{}
	for _, l := range ls {
		f := l.Fact
		out[linkKey(f.LinkFromType, f.LinkFromID, f.LinkToType, f.LinkToID)] = got{f.Confidence, f.Ambiguity, f.LinkSource}
	}
	return out
}

func TestEvidence(t *testing.T) {
	branch := func(b string) func(*facts.Fact) { return func(f *facts.Fact) { f.GitBranch = b } }
	tests := []struct {
		name  string
		facts []facts.Fact
		want  map[string]got
	}{
		{
			name:  "task id in branch name",
			facts: []facts.Fact{sess(facts.EventAPIRequest, "req:1", branch("feat/AN-001-x"))},
			want:  map[string]got{"task:AN-001>session:s1": {ConfExplicit, 1, facts.LinkExplicit}},
		},
		{
			name: "commit subject naming two tasks",
			facts: []facts.Fact{sess(facts.EventCommit, "commit:abc1234", func(f *facts.Fact) {
				f.CommitSHA = "abc1234"
				f.Payload = `{"subject":"AN-001, AN-002: shared fix","branch":"main"}`
			})},
			want: map[string]got{
				"session:s1>commit:abc1234":  {ConfDeclared, 1, facts.LinkExplicit},
				"task:AN-001>commit:abc1234": {ConfCommitSubject, 0.5, facts.LinkExplicit},
				"task:AN-002>commit:abc1234": {ConfCommitSubject, 0.5, facts.LinkExplicit},
				"task:AN-001>session:s1":     {ConfCommitSubject, 0.5, facts.LinkExplicit},
				"task:AN-002>session:s1":     {ConfCommitSubject, 0.5, facts.LinkExplicit},
			},
		},
		{
			name: "commit on a task branch, then a PR from it; a main commit stays out",
			facts: []facts.Fact{
				sess(facts.EventCommit, "commit:1111111", func(f *facts.Fact) {
					f.CommitSHA = "1111111"
					f.Payload = `{"subject":"chore","branch":"main"}`
				}),
				sess(facts.EventCommit, "commit:abc1234", func(f *facts.Fact) {
					f.GitBranch = "feat/AN-001-x"
					f.CommitSHA = "abc1234"
					f.Payload = `{"subject":"wip","branch":"feat/AN-001-x"}`
				}),
				sess(facts.EventPullRequest, "pr:u", func(f *facts.Fact) {
					f.GitBranch = "feat/AN-001-x"
					f.PRURL, f.PRNumber = "https://github.com/o/r/pull/7", 7
				}),
			},
			want: map[string]got{
				"session:s1>commit:1111111":                       {1, 1, facts.LinkExplicit},
				"session:s1>commit:abc1234":                       {1, 1, facts.LinkExplicit},
				"task:AN-001>session:s1":                          {ConfExplicit, 1, facts.LinkExplicit},
				"task:AN-001>commit:abc1234":                      {ConfExplicit, 1, facts.LinkExplicit},
				"session:s1>pr:https://github.com/o/r/pull/7":     {1, 1, facts.LinkExplicit},
				"commit:abc1234>pr:https://github.com/o/r/pull/7": {ConfExplicit, 1, facts.LinkExplicit},
			},
		},
		{
			name: "edit of a progress file naming a task",
			facts: []facts.Fact{
				sess(facts.EventToolUse, "tooluse:1", func(f *facts.Fact) {
					f.ToolName = "Edit"
					f.Payload = `{"input":{"file_path":"/p/.claude/progress/analytics/phase-1-progress.md","old_string":"- [ ] AN-001","new_string":"- [x] AN-001"}}`
				}),
				sess(facts.EventFileUpdate, "file:1", func(f *facts.Fact) {
					f.FilePath = "/p/.claude/progress/analytics/phase-1-progress.md"
				}),
			},
			want: map[string]got{
				"feature:analytics>task:AN-001": {ConfExplicit, 1, facts.LinkExplicit},
				"task:AN-001>session:s1":        {ConfExplicit, 1, facts.LinkExplicit},
				"feature:analytics>session:s1":  {ConfExplicit, 1, facts.LinkExplicit},
			},
		},
		{
			name: "reads of two features' progress folders",
			facts: []facts.Fact{sess(facts.EventToolUse, "tooluse:2", func(f *facts.Fact) {
				f.ToolName = "Bash"
				f.Payload = `{"input":{"command":"cat .claude/progress/a/x.md .claude/progress/b/y.md"}}`
			})},
			want: map[string]got{
				"feature:a>session:s1": {ConfRead, 0.5, facts.LinkInferred},
				"feature:b>session:s1": {ConfRead, 0.5, facts.LinkInferred},
			},
		},
		{
			name: "task status with front-matter session, then a prompt naming it and an unknown id",
			facts: []facts.Fact{
				{Key: "task:analytics/AN-001", Event: facts.EventTaskStatus, Time: t0, FeatureID: "analytics", TaskID: "AN-001",
					Payload: `{"status":"done","front_matter":{"session_id":"s9"}}`},
				sess(facts.EventUserPrompt, "prompt:1", func(f *facts.Fact) { f.Payload = `{"text":"continue AN-001, UTF-8 please"}` }),
			},
			want: map[string]got{
				"feature:analytics>task:AN-001": {ConfDeclared, 1, facts.LinkExplicit},
				"task:AN-001>session:s9":        {ConfDeclared, 1, facts.LinkExplicit},
				"task:AN-001>session:s1":        {ConfPrompt, 1, facts.LinkInferred},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, nil)
			ls, err := e.Process(context.Background(), tt.facts)
			require.NoError(t, err)
			assert.Equal(t, tt.want, linksOf(ls))
		})
	}
}

func TestReplayEmitsNothingNew(t *testing.T) {
	kv := &memKV{}
	in := []facts.Fact{
		sess(facts.EventAPIRequest, "req:1", func(f *facts.Fact) { f.GitBranch = "feat/AN-001-x" }),
		sess(facts.EventCommit, "commit:abc1234", func(f *facts.Fact) {
			f.CommitSHA = "abc1234"
			f.Payload = `{"subject":"AN-001: x","branch":"feat/AN-001-x"}`
		}),
	}
	e := newEngine(t, kv)
	first, err := e.Process(context.Background(), in)
	require.NoError(t, err)
	require.NotEmpty(t, first)

	again, err := e.Process(context.Background(), in)
	require.NoError(t, err)
	assert.Empty(t, again, "same process")

	// A restart: a new engine over the same storage remembers the links.
	e2 := newEngine(t, kv)
	again, err = e2.Process(context.Background(), in)
	require.NoError(t, err)
	assert.Empty(t, again, "after restart")
	k, ok := e2.Keys(context.Background(), "s1")
	require.True(t, ok)
	assert.Equal(t, Keys{Project: "/p", Root: "s1", Task: "AN-001", Commit: "abc1234"}, k)

	// Keys are deterministic: a fresh engine without storage emits the same link keys.
	e3 := newEngine(t, nil)
	third, err := e3.Process(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, keysOf(first), keysOf(third))
}

func keysOf(ls []Link) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Fact.Key)
	}
	sort.Strings(out)
	return out
}

func TestBetterEvidenceReEmits(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	_, err := e.Process(ctx, []facts.Fact{{Key: "task:AN-001", Event: facts.EventTaskStatus, Time: t0, FeatureID: "f", TaskID: "AN-001"}})
	require.NoError(t, err)
	ls, err := e.Process(ctx, []facts.Fact{sess(facts.EventUserPrompt, "prompt:1", func(f *facts.Fact) { f.Payload = `{"text":"AN-001"}` })})
	require.NoError(t, err)
	assert.Equal(t, map[string]got{"task:AN-001>session:s1": {ConfPrompt, 1, facts.LinkInferred}}, linksOf(ls))
	ls, err = e.Process(ctx, []facts.Fact{sess(facts.EventAPIRequest, "req:2", func(f *facts.Fact) { f.GitBranch = "AN-001" })})
	require.NoError(t, err)
	assert.Equal(t, map[string]got{"task:AN-001>session:s1": {ConfExplicit, 1, facts.LinkExplicit}}, linksOf(ls))
	k, _ := e.Keys(ctx, "s1")
	assert.Equal(t, "f", k.Feature, "feature through the session's task")
}

func TestBounds(t *testing.T) {
	kv := &memKV{}
	now := t0
	cfg := testConfig()
	cfg.MaxSessions = 2
	e, err := New(cfg, kv, func() time.Time { return now })
	require.NoError(t, err)
	ctx := context.Background()
	for _, id := range []string{"a", "b", "c"} {
		_, err := e.Process(ctx, []facts.Fact{{Key: "req:" + id, Event: facts.EventAPIRequest, Time: t0, SessionID: id, GitBranch: "X-1"}})
		require.NoError(t, err)
	}
	assert.Equal(t, 2, e.Sessions())
	assert.NotContains(t, kv.m, keySession+"a", "evicted state leaves storage too")
	assert.Contains(t, kv.m, keySession+"c")

	now = now.Add(2 * time.Hour) // past the TTL
	_, err = e.Process(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, e.Sessions())
	assert.Empty(t, kv.m)
}

func TestFeatures(t *testing.T) {
	m, err := newMatcher([]string{`\b[A-Z]+-\d+\b`}, ".claude/progress")
	require.NoError(t, err)
	tests := map[string][]string{
		"/p/.claude/progress/analytics/phase-1-progress.md":                                  {"analytics"},
		"ls .claude/progress/analytics/":                                                     {"analytics"},
		"cat .claude/progress/quick-features/fix-login-progress.md .claude/progress/solo.md": {"fix-login", "solo"},
		"ls .claude/progress/":                                                               nil,
		"/p/.claude/progressive/x/y.md":                                                      nil,
		"/p/docs/progress/analytics/x.md":                                                    nil,
		`C:\p\.claude\progress\win\a.md`:                                                     {"win"},
	}
	for in, want := range tests {
		assert.Equal(t, want, m.features(in), in)
	}
}

// TestOrderIndependence: whatever order the evidence arrives in (all 5040
// orders of seven facts, one batch each), the links
// folded as the store folds them (best evidence, earliest time) are the same,
// and so is the last record emitted per key.
func TestOrderIndependence(t *testing.T) {
	ts := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	in := []facts.Fact{
		{Key: "task:f/AN-1", Event: facts.EventTaskStatus, Time: ts(50), FeatureID: "f", TaskID: "AN-1",
			Payload: `{"session_ids":["s1"]}`},
		sess(facts.EventToolUse, "tooluse:e", func(f *facts.Fact) {
			f.Time, f.ToolName = ts(5), "Write"
			f.Payload = `{"input":{"file_path":"/p/.claude/progress/f/phase-1.md","content":"AN-1 AN-2"}}`
		}),
		sess(facts.EventCommit, "commit:c1", func(f *facts.Fact) {
			f.Time, f.CommitSHA = ts(10), "c1"
			f.Payload = `{"subject":"AN-1, AN-2: both","branch":"main"}`
		}),
		sess(facts.EventCommit, "commit:c2", func(f *facts.Fact) {
			f.Time, f.CommitSHA = ts(20), "c2"
			f.Payload = `{"subject":"AN-1: one","branch":"main"}`
		}),
		sess(facts.EventPullRequest, "pr:u", func(f *facts.Fact) {
			f.Time, f.PRURL, f.PRNumber = ts(40), "https://github.com/o/r/pull/7", 7
		}),
		sess(facts.EventAPIRequest, "req:late", func(f *facts.Fact) { f.Time, f.GitBranch = ts(30), "feat/AN-3" }),
		sess(facts.EventAPIRequest, "req:early", func(f *facts.Fact) { f.Time, f.GitBranch = ts(2), "feat/AN-3" }),
	}
	type folded struct {
		e    emitted
		last facts.Fact
	}
	var want map[string]folded
	permute(len(in), func(order []int) {
		e := newEngine(t, nil)
		got := map[string]folded{}
		for _, i := range order {
			ls, err := e.Process(context.Background(), []facts.Fact{in[i]})
			require.NoError(t, err)
			for _, l := range ls {
				f := l.Fact
				cur := emitted{Conf: f.Confidence, Source: f.LinkSource, Amb: f.Ambiguity, AtMs: f.Time.UnixMilli()}
				old, ok := got[f.Key]
				if ok {
					if !cur.better(old.e) {
						cur.Conf, cur.Source, cur.Amb = old.e.Conf, old.e.Source, old.e.Amb
					}
					cur.AtMs = min(cur.AtMs, old.e.AtMs)
				}
				got[f.Key] = folded{cur, f}
			}
		}
		if want == nil {
			want = got
			return
		}
		require.Equal(t, slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got)), "order %v", order)
		for k := range want {
			require.Equal(t, want[k], got[k], "order %v, link %s", order, k)
		}
	})
	assert.Len(t, want, 13)
	assert.Equal(t, emitted{Conf: 1, Source: facts.LinkExplicit, Amb: 1, AtMs: ts(5).UnixMilli()},
		want["link:task:AN-1>session:s1"].e, "declared confidence, earliest evidence time")
	assert.Equal(t, ts(2).UnixMilli(), want["link:task:AN-3>session:s1"].e.AtMs)
}

// permute calls fn with every permutation of 0..n-1 (Heap's algorithm).
func permute(n int, fn func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var gen func(k int)
	gen = func(k int) {
		if k == 1 {
			fn(append([]int(nil), a...))
			return
		}
		for i := 0; i < k; i++ {
			gen(k - 1)
			if k%2 == 0 {
				a[i], a[k-1] = a[k-1], a[i]
			} else {
				a[0], a[k-1] = a[k-1], a[0]
			}
		}
	}
	gen(n)
}

func TestSubagentInheritsThreadKeys(t *testing.T) {
	e := newEngine(t, nil)
	ctx := context.Background()
	_, err := e.Process(ctx, []facts.Fact{
		sess(facts.EventAPIRequest, "req:1", func(f *facts.Fact) { f.GitBranch = "feat/AN-7" }),
		{Key: "req:2", Event: facts.EventAPIRequest, Time: t0, SessionID: "s1/agent-a", RootSessionID: "s1", Project: "/p"},
	})
	require.NoError(t, err)
	k, ok := e.Keys(ctx, "s1/agent-a")
	require.True(t, ok)
	assert.Equal(t, Keys{Project: "/p", Root: "s1", Task: "AN-7"}, k)
}
