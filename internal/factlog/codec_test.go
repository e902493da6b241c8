package factlog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestRoundTripEveryField(t *testing.T) {
	code := int64(2)
	ts := time.Date(2026, 10, 1, 12, 30, 0, 123e6, time.UTC)
	cases := []facts.Fact{
		{
			Key: "req:msg_1", Event: facts.EventAPIRequest, Time: ts,
			SessionID: "s1/agent-a1", ParentSessionID: "s1", RootSessionID: "s1", SessionType: facts.SessionSubagent,
			AgentID: "a1", AgentType: "Plan", Project: "/home/u/p", Cwd: "/home/u/p/sub", GitBranch: "main",
			Version: "2.1.39", SourceFile: "/x/y.jsonl", Model: "claude-opus-4-6", MessageID: "msg_1",
			RequestID: "req_1", IsSidechain: true, Speed: "fast",
			Usage:     facts.Usage{Input: 3, Output: 441, CacheCreate5m: 10, CacheCreate1h: 8037, CacheRead: 17842},
			CostNanos: 123456789, Payload: `{"a":1}`,
		},
		{
			Key: "toolres:t1", Event: facts.EventToolResult, Time: ts, ToolName: "Bash", ToolUseID: "t1",
			IsError: true, ExitCode: &code, FailureClass: "exit_code", DurationMs: 1500, Status: "error",
			InputHash: "0123456789abcdef", CommandClass: "test",
		},
		{Key: "commit:abc1234", Event: facts.EventCommit, Time: ts, CommitSHA: "abc1234"},
		{Key: "pr:u", Event: facts.EventPullRequest, Time: ts, PRNumber: 42, PRURL: "https://github.com/o/r/pull/42"},
		{Key: "file:t2", Event: facts.EventFileUpdate, Time: ts, FilePath: "a.go", Additions: 5, Deletions: 2},
		{Key: "skill:t3", Event: facts.EventSkillActivated, Time: ts, SkillName: "pdf"},
		{Key: "session:s1", Event: facts.EventSession, Time: ts, FirstTime: ts, LastTime: ts.Add(time.Hour)},
		{Key: "task:f/T-1", Event: facts.EventTaskStatus, Time: ts, FeatureID: "f", TaskID: "T-1", Phase: "1",
			Title: "Do it", Status: "done"},
		{Key: "link:x", Event: facts.EventLink, Time: ts, LinkFromType: facts.EntityTask, LinkFromID: "T-1",
			LinkToType: facts.EntitySession, LinkToID: "s1", Confidence: 0.95, LinkSource: facts.LinkExplicit, Ambiguity: 0.5},
		{Key: "ingest:h", Event: facts.EventIngestProgress, Time: ts, IngestInfo: &facts.IngestProgress{
			Reporter: "h/claude_code", BackfillComplete: true, FilesTotal: 3, FilesCaughtUp: 2,
			LinesRead: 100, BadLines: 1, BytesRead: 4096, LagSeconds: 1.5,
		}},
	}
	for _, want := range cases {
		t.Run(want.Key, func(t *testing.T) {
			lr := plog.NewLogRecord()
			Encode(&want, lr)
			got, ok := Decode(lr)
			require.True(t, ok)
			assert.Equal(t, want, got)
		})
	}
}

func TestDecodeIgnoresForeignRecords(t *testing.T) {
	lr := plog.NewLogRecord()
	lr.SetEventName("claude_code.api_request")
	lr.Attributes().PutStr("model", "x")
	_, ok := Decode(lr)
	assert.False(t, ok)
}
