package transcript

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// FuzzExtractorLine: arbitrary bytes never panic, errors are ErrBadLine, and
// every fact has a key and an event.
func FuzzExtractorLine(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(testProjects, "*", "*.jsonl"))
	sub, _ := filepath.Glob(filepath.Join(testProjects, "*", "*", "subagents", "*.jsonl"))
	for _, p := range append(paths, sub...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range splitLines(data) {
			f.Add(l)
		}
	}
	for _, s := range []string{"", "{}", "null", `{"type":"assistant","message":null}`, `{"message":{"usage":{}}}"usage":{`,
		`{"type":"user","isSidechain":true,"parentUuid":null,"message":{"content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"text","text":"agentId: x"}]}]}}`,
		`{"type":"progress","data":{"type":"agent_progress","agentId":"a","message":{"timestamp":"2026-01-01T00:00:00Z","message":{"id":"m","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2}}}}}`} {
		f.Add([]byte(s))
	}
	kinds := []FileInfo{
		{Path: "p/s.jsonl", ProjectDir: "p", SessionID: "s", Kind: Main},
		{Path: "p/s/subagents/agent-a.jsonl", ProjectDir: "p", SessionID: "s", AgentID: "a", Kind: SubagentDir,
			Meta: &AgentMeta{ToolUseID: "toolu_1", ParentAgentID: "b"}},
		{Path: "p/agent-c.jsonl", ProjectDir: "p", AgentID: "c", Kind: LegacyAgent},
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, fi := range kinds {
			e := NewExtractor(fi, DefaultOptions())
			check := func(f facts.Fact) {
				if f.Key == "" || f.Event == "" || f.SessionID == "" {
					t.Fatalf("incomplete fact %+v", f)
				}
			}
			for range 2 {
				if err := e.Line(line, check); err != nil && !isBadLine(err) {
					t.Fatalf("error %v does not wrap ErrBadLine", err)
				}
			}
			e.EndBatch(check)
		}
	})
}
