package transcript

import (
	"slices"
	"strings"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

const (
	sid21 = "5f1a0c2e-7b1d-4c1e-9a51-2b7d3c9e0a11"
	sid20 = "7c3e9d10-2b4a-4d5e-8f6a-0b1c2d3e4f50"
	sid1x = "9e8d7c6b-5a49-4838-9271-605f4e3d2c1b"
)

func TestUsageFacts(t *testing.T) {
	all := allTestFacts(t, DefaultOptions())
	copies := map[string]int{}
	for _, f := range all {
		if f.Event == facts.EventAPIRequest {
			copies[f.Key]++
		}
	}
	m := byKey(all)
	tests := []struct {
		key         string
		copies      int
		usage       facts.Usage
		cost        int64
		speed       string
		sidechain   bool
		session     string
		requestID   string
		description string
	}{
		{"req:msg_A01", 3, facts.Usage{Input: 3, Output: 441, CacheCreate1h: 8000, CacheRead: 12000},
			3*5000 + 441*25000 + 8000*10000 + 12000*500, "", false, sid21, "req_A01",
			"streaming split: the last line carries the final output_tokens"},
		{"req:msg_J01", 1, facts.Usage{Input: 6, Output: 200, CacheRead: 30000},
			(6*5000 + 200*25000 + 30000*500) * 6, "fast", false, sid21, "req_J01", "fast mode x6"},
		{"req:msg_S01", 4, facts.Usage{Input: 2, Output: 120, CacheCreate1h: 2400, CacheRead: 15000},
			2*1000 + 120*5000 + 2400*2000 + 15000*100, "", false, sid21 + "/agent-a1b2c3d", "req_S01",
			"agent_progress copy (no isSidechain) wins over the subagent file's sidechain line, as in ccusage"},
		{"req:msg_N01", 1, facts.Usage{Input: 250_000, Output: 1000, CacheCreate1h: 210_000, CacheRead: 300_000},
			2_355_000_000, "", true, sid21 + "/agent-a9f8e7d", "req_N01", "nested subagent, >200k tier"},
		{"req:msg_L20a", 1, facts.Usage{Input: 5, Output: 70, CacheCreate5m: 1200},
			5*3000 + 70*15000 + 1200*3750, "", false, sid20, "req_L20a", "no TTL breakdown: flat count priced as 5m"},
		{"req:msg_G20a", 1, facts.Usage{Input: 4, Output: 55, CacheCreate5m: 3000},
			4*3000 + 55*15000 + 3000*3750, "", true, sid20 + "/agent-1a2b3c4d", "req_G20a", "legacy flat agent file"},
		{"req:msg_O02", 1, facts.Usage{Input: 3, Output: 40, CacheCreate5m: 500},
			3*3000 + 40*15000 + 500*3750, "", true, sid1x + "/sidechain-toolu_t2", "req_O02", "1.x inline sidechain"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			f, ok := m[tt.key]
			if !ok {
				t.Fatalf("%s missing (%s)", tt.key, tt.description)
			}
			if copies[tt.key] != tt.copies {
				t.Errorf("copies = %d, want %d", copies[tt.key], tt.copies)
			}
			if f.Usage != tt.usage || f.CostNanos != tt.cost || f.Speed != tt.speed ||
				f.IsSidechain != tt.sidechain || f.SessionID != tt.session || f.RequestID != tt.requestID {
				t.Errorf("%s: got usage=%+v cost=%d speed=%q sidechain=%v session=%s req=%s",
					tt.description, f.Usage, f.CostNanos, f.Speed, f.IsSidechain, f.SessionID, f.RequestID)
			}
		})
	}
	// ccusage skips these lines; <synthetic> is an api_error, not usage.
	for _, k := range []string{"req:msg_K01", "req:msg_L01", "req:msg_syn1"} {
		if _, ok := m[k]; ok {
			t.Errorf("%s must not be an api_request fact", k)
		}
	}
	apiErrs := keysOf(m, facts.EventAPIError)
	if len(apiErrs) != 1 || m[apiErrs[0]].Model != "<synthetic>" || m[apiErrs[0]].CostNanos != 0 {
		t.Errorf("api errors = %v", apiErrs)
	}
}

func TestToolResultFacts(t *testing.T) {
	m := byKey(allTestFacts(t, DefaultOptions()))
	one := int64(1)
	two := int64(2)
	tests := []struct {
		key      string
		tool     string
		isError  bool
		class    string
		exit     *int64
		duration int64
	}{
		{"toolres:toolu_read1", "Read", false, "", nil, 1037},
		{"toolres:toolu_write1", "Write", true, FailureNotRead, nil, 1037},
		{"toolres:toolu_bash1", "Bash", true, FailureExitCode, &one, 3111},
		{"toolres:toolu_rm1", "Bash", true, FailureUserRejected, nil, 2074},
		{"toolres:toolu_bg1", "BashOutput", false, "", &two, 1037},
		{"toolres:toolu_unknown9", "", false, "", nil, 0},
		{"toolres:toolu_sgrep1", "Grep", false, "", nil, 1037},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			f, ok := m[tt.key]
			if !ok {
				t.Fatal("missing")
			}
			if f.ToolName != tt.tool || f.IsError != tt.isError || f.FailureClass != tt.class || f.DurationMs != tt.duration {
				t.Errorf("got tool=%q err=%v class=%q dur=%d", f.ToolName, f.IsError, f.FailureClass, f.DurationMs)
			}
			if (f.ExitCode == nil) != (tt.exit == nil) || (f.ExitCode != nil && *f.ExitCode != *tt.exit) {
				t.Errorf("exit code = %v, want %v", f.ExitCode, tt.exit)
			}
		})
	}
	if f := m["skill:toolu_skill1"]; f.SkillName != "superpowers:brainstorming" || f.Event != facts.EventSkillActivated {
		t.Errorf("skill fact = %+v", f)
	}
}

func TestCommitsPRsFiles(t *testing.T) {
	all := allTestFacts(t, DefaultOptions())
	m := byKey(all)
	commits := keysOf(m, facts.EventCommit)
	if !slices.Equal(commits, []string{"commit:3f9c2ab"}) {
		t.Fatalf("commits = %v, want only the one `git commit` printed (not git log hashes)", commits)
	}
	if c := m["commit:3f9c2ab"]; c.CommitSHA != "3f9c2ab" || !strings.Contains(c.Payload, `"subject":"feat(cart): add discount field"`) ||
		!strings.Contains(c.Payload, `"branch":"main"`) {
		t.Errorf("commit = %+v", c)
	}
	prSources := 0
	for _, f := range all {
		if f.Key == "pr:https://github.com/acme/shop/pull/42" {
			prSources++
			if f.PRNumber != 42 || f.PRURL != "https://github.com/acme/shop/pull/42" {
				t.Errorf("pr fact = %+v", f)
			}
		}
	}
	if prSources != 2 || len(keysOf(m, facts.EventPullRequest)) != 1 {
		t.Errorf("want one PR from gh pr create and pr-link, got %d copies, keys %v", prSources, keysOf(m, facts.EventPullRequest))
	}
	files := map[string][2]int64{}
	for _, k := range keysOf(m, facts.EventFileUpdate) {
		files[k] = [2]int64{m[k].Additions, m[k].Deletions}
	}
	want := map[string][2]int64{"file:toolu_edit1": {2, 1}, "file:toolu_write2": {3, 0}}
	if len(files) != len(want) || files["file:toolu_edit1"] != want["file:toolu_edit1"] || files["file:toolu_write2"] != want["file:toolu_write2"] {
		t.Errorf("file updates = %v, want %v", files, want)
	}
}

func TestSessionsAndLinks(t *testing.T) {
	m := byKey(allTestFacts(t, DefaultOptions()))
	type ent struct{ parent, root, typ, agentID, agentType string }
	wantSessions := map[string]ent{
		sid21:                            {"", sid21, facts.SessionMain, "", ""},
		sid21 + "/agent-a1b2c3d":         {sid21, sid21, facts.SessionSubagent, "a1b2c3d", "Explore"},
		sid21 + "/agent-a9f8e7d":         {sid21 + "/agent-a1b2c3d", sid21, facts.SessionSubagent, "a9f8e7d", "general-purpose"},
		sid21 + "/agent-acompact-4f2e1a": {sid21, sid21, facts.SessionCompaction, "acompact-4f2e1a", ""},
		sid20:                            {"", sid20, facts.SessionMain, "", ""},
		sid20 + "/agent-1a2b3c4d":        {sid20, sid20, facts.SessionSubagent, "1a2b3c4d", ""},
		sid1x:                            {"", sid1x, facts.SessionMain, "", ""},
		sid1x + "/sidechain-toolu_t1":    {sid1x, sid1x, facts.SessionSidechain, "", "general-purpose"},
		sid1x + "/sidechain-toolu_t2":    {sid1x, sid1x, facts.SessionSidechain, "", "researcher"},
		sid1x + "/sidechain-9e8d7c6b-0010-4000-8000-000000000010": {sid1x, sid1x, facts.SessionSidechain, "", ""},
	}
	got := keysOf(m, facts.EventSession)
	if len(got) != len(wantSessions) {
		t.Errorf("sessions = %v", got)
	}
	for id, w := range wantSessions {
		f, ok := m["session:"+id]
		if !ok {
			t.Errorf("session %s missing", id)
			continue
		}
		if g := (ent{f.ParentSessionID, f.RootSessionID, f.SessionType, f.AgentID, f.AgentType}); g != w || f.FirstTime.IsZero() || f.LastTime.Before(f.FirstTime) {
			t.Errorf("session %s = %+v first=%v last=%v, want %+v", id, g, f.FirstTime, f.LastTime, w)
		}
	}

	type link struct{ toolUseID, agentType string }
	wantLinks := map[string]link{
		"agentlink:" + sid21 + ":a1b2c3d":               {"toolu_task1", "Explore"},
		"agentlink:" + sid21 + "/agent-a1b2c3d:a9f8e7d": {"toolu_nested1", "general-purpose"},
		"agentlink:" + sid20 + ":1a2b3c4d":              {"toolu_rev1", "code-reviewer"},
		"agentlink:" + sid1x + ":sidechain-toolu_t1":    {"toolu_t1", "general-purpose"},
		"agentlink:" + sid1x + ":sidechain-toolu_t2":    {"toolu_t2", "researcher"},
	}
	if got := keysOf(m, facts.EventSubagentLinked); len(got) != len(wantLinks) {
		t.Errorf("links = %v", got)
	}
	for k, w := range wantLinks {
		f, ok := m[k]
		if !ok {
			t.Errorf("link %s missing", k)
			continue
		}
		if (link{f.ToolUseID, f.AgentType}) != w {
			t.Errorf("link %s = %s/%s, want %+v", k, f.ToolUseID, f.AgentType, w)
		}
	}
	// Project is the first cwd, on every fact of a file.
	for _, f := range m {
		if strings.HasPrefix(f.SessionID, sid21) && f.Project != "/home/dev/shop" {
			t.Errorf("%s: project %q", f.Key, f.Project)
		}
	}
}

func TestPrompts(t *testing.T) {
	m := byKey(allTestFacts(t, DefaultOptions()))
	var texts []string
	for _, k := range keysOf(m, facts.EventUserPrompt) {
		texts = append(texts, m[k].Payload)
	}
	slices.Sort(texts)
	want := []string{
		`{"text":"Add a discount field to the cart and commit it","chars":46}`,
		`{"text":"Research the two APIs in parallel","chars":33}`,
		`{"text":"Review my change","chars":16}`,
		`{"text":"thanks, looks good","chars":18}`,
	}
	if !slices.Equal(texts, want) {
		t.Errorf("prompts =\n%s\nwant (no commands, caveats, interrupts, summaries, meta, tool results, sidechains)\n%s",
			strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
}

func TestIncludeContentFalse(t *testing.T) {
	opts := DefaultOptions()
	opts.IncludeContent = false
	all := allTestFacts(t, opts)
	secrets := []string{
		"Add a discount field",  // prompt
		"old_string",            // tool input
		"FAIL: TestCart",        // tool output
		"overloaded_error",      // API error text
		"Cart discount",         // custom title
		"Two parallel research", // summary
		"cart.go:12",            // subagent output
	}
	for _, f := range all {
		for _, s := range secrets {
			if strings.Contains(f.Payload, s) {
				t.Errorf("%s payload leaks %q: %s", f.Key, s, f.Payload)
			}
		}
	}
	// Numbers do not depend on the option.
	full, redacted := byKey(allTestFacts(t, DefaultOptions())), byKey(all)
	for k, f := range full {
		if r := redacted[k]; r.Usage != f.Usage || r.CostNanos != f.CostNanos || r.Additions != f.Additions {
			t.Errorf("%s differs without content", k)
		}
	}
	if len(full) != len(redacted) {
		t.Errorf("%d facts with content, %d without", len(full), len(redacted))
	}
}

func TestBadLines(t *testing.T) {
	_, bad := runFile(t, Classify(testProjects, testPath("-home-dev-shop/"+sid21+".jsonl")), DefaultOptions())
	if len(bad) != 3 {
		t.Errorf("bad lines = %q, want the truncated line, the non-JSON line and the wrong-type line", bad)
	}
	e := NewExtractor(FileInfo{Path: "x.jsonl", SessionID: "s"}, DefaultOptions())
	noEmit := func(facts.Fact) {}
	for _, in := range []string{"", "   ", "\r"} {
		if err := e.Line([]byte(in), noEmit); err != nil {
			t.Errorf("blank line %q: %v", in, err)
		}
	}
	for _, in := range []string{"[]", "42", `"x"`, "{", `{"type":"user"`, `{"type":"user"}x`, `{"type":5}`,
		`{"type":"assistant","message":{"usage":{"input_tokens":"3"}}}`, `{"type":"user","message":{"content":7}}`} {
		if err := e.Line([]byte(in), noEmit); !isBadLine(err) {
			t.Errorf("%q: err = %v, want ErrBadLine", in, err)
		}
	}
}

// TestTruncatedLines: a half-written line must never decode.
func TestTruncatedLines(t *testing.T) {
	var lines [][]byte
	for _, fi := range testFiles(t) {
		data, _ := readFile(t, fi.Path)
		lines = append(lines, splitLines(data)...)
	}
	e := NewExtractor(FileInfo{Path: "x.jsonl", SessionID: "s"}, DefaultOptions())
	for _, l := range lines {
		if len(l) < 4 || l[0] != '{' { // "{}" cut at a third is blank, not truncated
			continue
		}
		for _, cut := range []int{1, len(l) / 3, len(l) / 2, len(l) - 1} {
			if err := e.Line(l[:cut], func(facts.Fact) {}); !isBadLine(err) {
				t.Errorf("prefix %q...: err = %v, want ErrBadLine", truncate(string(l[:cut]), 60), err)
			}
		}
	}
}

// TestBatchSplits: feeding a file in batches (as a tail does) gives the same
// facts as one batch; only session spans are split and merge back.
func TestBatchSplits(t *testing.T) {
	for _, fi := range testFiles(t) {
		data, _ := readFile(t, fi.Path)
		lines := splitLines(data)
		whole, _ := runFile(t, fi, DefaultOptions())
		for _, size := range []int{1, 2, 3, 7} {
			var got []facts.Fact
			e := NewExtractor(fi, DefaultOptions())
			emit := func(f facts.Fact) { got = append(got, f) }
			for i, l := range lines {
				_ = e.Line(l, emit)
				if (i+1)%size == 0 {
					e.EndBatch(emit)
				}
			}
			e.EndBatch(emit)
			if a, b := nonSession(whole), nonSession(got); !slices.EqualFunc(a, b, factEqual) {
				t.Errorf("%s batch size %d: %d facts vs %d in one batch", fi.Path, size, len(b), len(a))
			}
			ws, gs := byKey(whole), byKey(got)
			for _, k := range keysOf(ws, facts.EventSession) {
				if w, g := ws[k], gs[k]; !w.FirstTime.Equal(g.FirstTime) || !w.LastTime.Equal(g.LastTime) || w.SessionID != g.SessionID {
					t.Errorf("%s batch size %d: session %s span %v-%v, want %v-%v", fi.Path, size, k, g.FirstTime, g.LastTime, w.FirstTime, w.LastTime)
				}
			}
		}
	}
}

func nonSession(fs []facts.Fact) []facts.Fact {
	var out []facts.Fact
	for _, f := range fs {
		if f.Event != facts.EventSession {
			out = append(out, f)
		}
	}
	return out
}

func factEqual(a, b facts.Fact) bool {
	if (a.ExitCode == nil) != (b.ExitCode == nil) || (a.ExitCode != nil && *a.ExitCode != *b.ExitCode) {
		return false
	}
	a.ExitCode, b.ExitCode = nil, nil
	return a == b
}

func TestPreferUsage(t *testing.T) {
	base := facts.Fact{Usage: facts.Usage{Input: 10, Output: 10}}
	bigger := facts.Fact{Usage: facts.Usage{Input: 10, Output: 50}}
	side := bigger
	side.IsSidechain = true
	fast := base
	fast.Speed = "fast"
	pricier := base
	pricier.CostNanos = 5
	tests := []struct {
		name                string
		candidate, existing facts.Fact
		want                bool
	}{
		{"larger total wins", bigger, base, true},
		{"smaller total loses", base, bigger, false},
		{"non-sidechain beats larger sidechain", base, side, true},
		{"sidechain never replaces non-sidechain", side, base, false},
		{"equal total, higher cost", pricier, base, true},
		{"equal, with speed", fast, base, true},
		{"equal keeps existing", base, base, false},
	}
	for _, tt := range tests {
		if got := PreferUsage(tt.candidate, tt.existing); got != tt.want {
			t.Errorf("%s: got %v", tt.name, got)
		}
	}
}

func TestHasRejectedNull(t *testing.T) {
	tests := map[string]bool{
		`{"message":{"usage":{"speed":null}}}`:                      true,
		`{"message":{"model":null,"usage":{"input_tokens":0}}}`:     true,
		`{"sessionId":null,"message":{"usage":{"input_tokens":0}}}`: true,
		`{"requestId":null}`:                                        true,
		`{"message":{"content":null,"usage":{"input_tokens":0}}}`:   false,
		`{"stop_reason":null,"stop_sequence":null}`:                 false,
		`{"text":"id:null"}`:                                        false,
		`:null`:                                                     false,
		`":null`:                                                    false,
		`"":null`:                                                   false,
	}
	for in, want := range tests {
		if got := hasRejectedNull([]byte(in)); got != want {
			t.Errorf("hasRejectedNull(%s) = %v, want %v", in, got, want)
		}
	}
}

func TestIsSemverPrefix(t *testing.T) {
	tests := map[string]bool{"2.1.39": true, "1.0.98": true, "10.20.3-beta": true, "1.0.x": false,
		"1.0": false, "dev": false, "": false, "v1.2.3": false, "1..2": false}
	for in, want := range tests {
		if got := isSemverPrefix(in); got != want {
			t.Errorf("isSemverPrefix(%q) = %v", in, got)
		}
	}
}

func TestClassifyFailure(t *testing.T) {
	code := func(v int64) *int64 { return &v }
	tests := []struct {
		text string
		tur  toolResultInfo
		code *int64
		want string
	}{
		{"Exit code 2\nls: x: No such file or directory", toolResultInfo{}, code(2), FailureExitCode},
		{"ls: x: No such file or directory", toolResultInfo{}, nil, FailureNotFound},
		{"<tool_use_error>File does not exist.</tool_use_error>", toolResultInfo{}, nil, FailureNotFound},
		{"<tool_use_error>InputValidationError: bad</tool_use_error>", toolResultInfo{}, nil, FailureValidation},
		{"<tool_use_error>Sibling tool call errored</tool_use_error>", toolResultInfo{}, nil, FailureSibling},
		{"Command timed out after 2m 0.0s", toolResultInfo{}, code(143), FailureTimeout},
		{"[Request interrupted by user for tool use]", toolResultInfo{}, nil, FailureInterrupted},
		{"", toolResultInfo{Interrupted: true}, nil, FailureInterrupted},
		{"no", toolResultInfo{text: "User rejected tool use"}, nil, FailureUserRejected},
		{"Claude requested permissions to write", toolResultInfo{}, nil, FailureOther},
	}
	for _, tt := range tests {
		if got := classifyFailure(tt.text, tt.tur, tt.code); got != tt.want {
			t.Errorf("classifyFailure(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}

func TestCommitLine(t *testing.T) {
	tests := []struct {
		out, sha, branch, subject string
		root                      bool
	}{
		{"[main 3f9c2ab] feat: x\n 1 file changed", "3f9c2ab", "main", "feat: x", false},
		{"[spotter-gqc 99b497c] feat: transcript (spotter-gqc)", "99b497c", "spotter-gqc", "feat: transcript (spotter-gqc)", false},
		{"[detached HEAD abc1234] fix", "abc1234", "detached HEAD", "fix", false},
		{"[main (root-commit) 0123456] init", "0123456", "main", "init", true},
		{"pre-commit hook failed\n[main 1234567] not at line start? yes it is", "1234567", "main", "not at line start? yes it is", false},
	}
	for _, tt := range tests {
		var got []facts.Fact
		c := lineCtx{e: NewExtractor(FileInfo{SessionID: "s"}, DefaultOptions()), l: &Line{}, ent: &entity{id: "s"},
			emit: func(f facts.Fact) { got = append(got, f) }}
		c.commits(tt.out, "toolu_x")
		if len(got) != 1 {
			t.Errorf("%q: %d commits", tt.out, len(got))
			continue
		}
		wantPayload := marshalPayload(commitPayload{Subject: tt.subject, Branch: tt.branch, RootCommit: tt.root, ToolUseID: "toolu_x"})
		if got[0].CommitSHA != tt.sha || got[0].Payload != wantPayload {
			t.Errorf("%q: sha %s payload %s, want %s %s", tt.out, got[0].CommitSHA, got[0].Payload, tt.sha, wantPayload)
		}
	}
	if gitCommitRE.MatchString("git log --oneline") || !gitCommitRE.MatchString("git -C repo commit -m x") {
		t.Error("gitCommitRE")
	}
}
