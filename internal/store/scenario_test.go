package store

import (
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Sessions of the scenario.
const (
	sMain  = "s1"
	sAgent = "s1/agent-a"
	sOther = "s2"
)

// scenarioFacts is a small history that exercises every merge rule: split
// usage lines, a sidechain copy of a main-thread response stored under
// another session, equal-total copies, tool calls seen from one or both
// ends, session facts with overlapping spans, a subagent, commits, a PR,
// file updates and two ingest reporters.
func scenarioFacts() []facts.Fact {
	opus, sonnet, haiku := "claude-opus-4-6", "claude-sonnet-4-5", "claude-haiku-4-5"
	code0 := int64(0)

	m1 := func(out int64) facts.Fact { // one response written as three lines
		return apiFact("m1", sMain, opus, at(0), facts.Usage{Input: 100, Output: out, CacheCreate5m: 1000, CacheCreate1h: 500, CacheRead: 20000}, 1000*out)
	}
	m2side := apiFact("m2", sAgent, opus, at(2*time.Minute), facts.Usage{Input: 5, Output: 900}, 9_000_000)
	m2side.IsSidechain, m2side.SessionType, m2side.ParentSessionID, m2side.RootSessionID = true, facts.SessionSubagent, sMain, sMain
	m2main := apiFact("m2", sMain, opus, at(2*time.Minute), facts.Usage{Input: 5, Output: 300}, 3_000_000)
	m3 := apiFact("m3", sAgent, haiku, at(3*time.Minute), facts.Usage{Input: 7, Output: 70, CacheRead: 700}, 123_456_789)
	m3.IsSidechain, m3.SessionType, m3.ParentSessionID, m3.RootSessionID, m3.AgentID = true, facts.SessionSubagent, sMain, sMain, "a"
	m4early := apiFact("m4", sOther, sonnet, at(20*time.Minute), facts.Usage{Input: 1, Output: 2}, 30)
	m4early.Project = "/q"
	m4late := m4early
	m4late.Time = at(21 * time.Minute) // same total: the earlier copy wins the tie (ccusage keeps the first it reads)
	m5 := apiFact("m5", sOther, sonnet, at(26*time.Hour), facts.Usage{Input: 11, Output: 22, CacheCreate5m: 33, CacheRead: 44}, 1_500_000_001)
	m5.Project = "/q"

	t1use := toolUse("t1", sMain, "Bash", at(time.Minute))
	t1res := toolResult("t1", sMain, at(time.Minute+2500*time.Millisecond), false, 0)
	t1res.ExitCode = &code0
	t2res := toolResult("t2", sMain, at(4*time.Minute), true, 1234) // no start seen
	t2res.ToolName = "Read"
	t3use := toolUse("t3", sOther, "Edit", at(22*time.Minute)) // no result yet
	t3use.Project = "/q"
	t4use := toolUse("t4", sAgent, "Grep", at(3*time.Minute+time.Second))
	t4use.SessionType = facts.SessionSubagent
	t4res := toolResult("t4", sAgent, at(3*time.Minute+1500*time.Millisecond), false, 999)
	t4res.SessionType = facts.SessionSubagent

	sessEarly := sessionFact(sMain, "session:s1", at(0), at(10*time.Minute))
	sessEarly.GitBranch = "main"
	sessLate := sessionFact(sMain, "session:s1", at(5*time.Minute), at(30*time.Minute))
	sessLate.Version, sessLate.GitBranch, sessLate.Status = "2.1.1", "feature", "active"
	sessAgent := sessionFact(sAgent, "session:s1/agent-a", at(2*time.Minute), at(4*time.Minute))
	sessAgent.ParentSessionID, sessAgent.RootSessionID, sessAgent.SessionType = sMain, sMain, facts.SessionSubagent
	sessAgent.AgentID, sessAgent.AgentType = "a", "general-purpose"
	sessOther := sessionFact(sOther, "session:s2", at(20*time.Minute), at(26*time.Hour))
	sessOther.Project = "/q"
	linked := facts.Fact{Key: "subagent:a", Event: facts.EventSubagentLinked, Time: at(4 * time.Minute),
		SessionID: sAgent, ParentSessionID: sMain, RootSessionID: sMain, SessionType: facts.SessionSubagent,
		AgentID: "a", AgentType: "general-purpose", Status: "completed", ToolUseID: "t-task"}

	commit := facts.Fact{Key: "commit:abc1234", Event: facts.EventCommit, Time: at(9 * time.Minute),
		SessionID: sMain, RootSessionID: sMain, SessionType: facts.SessionMain, Project: "/p", CommitSHA: "abc1234"}
	pr := facts.Fact{Key: "pr:https://github.com/o/r/pull/7", Event: facts.EventPullRequest, Time: at(25 * time.Minute),
		SessionID: sOther, RootSessionID: sOther, SessionType: facts.SessionMain, Project: "/q", PRNumber: 7,
		PRURL: "https://github.com/o/r/pull/7"}
	file := facts.Fact{Key: "file:t9:/p/a.go", Event: facts.EventFileUpdate, Time: at(6 * time.Minute),
		SessionID: sMain, ToolUseID: "t9", ToolName: "Edit", FilePath: "/p/a.go", Additions: 12, Deletions: 3}
	prompt := facts.Fact{Key: "prompt:u1", Event: facts.EventUserPrompt, Time: at(19 * time.Minute),
		SessionID: sOther, RootSessionID: sOther, SessionType: facts.SessionMain, Project: "/q",
		Payload: "{\"prompt\":\"fix the \\\"bug\\\"\\n\"}"}

	progress := func(reporter string, ts time.Time, done bool, lines int64, lag float64) facts.Fact {
		return facts.Fact{Key: "ingest:" + reporter, Event: facts.EventIngestProgress, Time: ts,
			IngestInfo: &facts.IngestProgress{Reporter: reporter, BackfillComplete: done, FilesTotal: 4,
				FilesCaughtUp: lines / 10, LinesRead: lines, BadLines: 1, BytesRead: lines * 100, LagSeconds: lag}}
	}

	return []facts.Fact{
		m1(10), m1(10), m1(441), m2side, m2main, m3, m4early, m4late, m5,
		t1use, t1res, t2res, t3use, t4use, t4res,
		sessEarly, sessLate, sessAgent, sessOther, linked,
		commit, pr, file, prompt,
		progress("host-a/claude_code", at(time.Minute), false, 10, 5),
		progress("host-a/claude_code", at(40*time.Minute), true, 40, 0.5),
		progress("host-b/claude_code", at(30*time.Minute), true, 20, 2.25),
	}
}
