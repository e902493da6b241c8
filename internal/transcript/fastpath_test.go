package transcript

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// The fast decoder must be invisible: for every line, the facts and errors
// of an Extractor equal those of one that only uses the goccy reference
// path (decodeSlow).

// lineResult is what one line yields.
type lineResult struct {
	facts []facts.Fact
	err   string
}

// pairRunner feeds the same lines to a fast and a slow-only Extractor.
type pairRunner struct {
	fast, slow *Extractor
}

func newPairRunner(fi FileInfo, opts Options) *pairRunner {
	r := &pairRunner{fast: NewExtractor(fi, opts), slow: NewExtractor(fi, opts)}
	r.slow.slowOnly = true
	return r
}

func runLine(e *Extractor, line []byte) lineResult {
	var r lineResult
	if err := e.Line(line, func(f facts.Fact) { r.facts = append(r.facts, f) }); err != nil {
		r.err = err.Error()
	}
	return r
}

// line returns a description of the difference, "" when there is none.
func (r *pairRunner) line(line []byte) string {
	// The caller's buffer is reused after Line returns; copies make sure
	// neither side keeps a reference into it.
	fast := runLine(r.fast, append([]byte(nil), line...))
	slow := runLine(r.slow, append([]byte(nil), line...))
	if reflect.DeepEqual(fast, slow) || bothGoccyFailures(fast, slow) {
		return ""
	}
	return fmt.Sprintf("fast: %+v\nslow: %+v", fast, slow)
}

// bothGoccyFailures: on some truncated lines goccy reads past the end of
// its input, and whether that panics or returns an error depends on memory
// beyond the slice (seed ce56661e4ac03bb7 flips between the two). Both are
// the same bad line; only the message differs.
func bothGoccyFailures(a, b lineResult) bool {
	const panicked = "json decoder panic"
	return a.err != "" && b.err != "" && len(a.facts) == 0 && len(b.facts) == 0 &&
		(strings.Contains(a.err, panicked) || strings.Contains(b.err, panicked))
}

func (r *pairRunner) endBatch() string {
	var fast, slow []facts.Fact
	r.fast.EndBatch(func(f facts.Fact) { fast = append(fast, f) })
	r.slow.EndBatch(func(f facts.Fact) { slow = append(slow, f) })
	if reflect.DeepEqual(fast, slow) {
		return ""
	}
	return fmt.Sprintf("EndBatch fast: %+v\nslow: %+v", fast, slow)
}

// comparePaths runs a whole file through both paths, with and without
// content.
func comparePaths(t *testing.T, fi FileInfo, lines [][]byte) {
	t.Helper()
	for _, opts := range []Options{DefaultOptions(), {}} {
		r := newPairRunner(fi, opts)
		for i, l := range lines {
			if d := r.line(l); d != "" {
				t.Fatalf("%s line %d (IncludeContent=%v) differs:\n%s\nline: %.300s", fi.Path, i+1, opts.IncludeContent, d, l)
			}
		}
		if d := r.endBatch(); d != "" {
			t.Fatalf("%s: %s", fi.Path, d)
		}
	}
}

func TestFastMatchesSlowTestdata(t *testing.T) {
	for _, fi := range testFiles(t) {
		data, _ := readFile(t, fi.Path)
		comparePaths(t, fi, splitLines(data))
	}
}

func TestFastMatchesSlowCorpus(t *testing.T) {
	for _, p := range corpusFiles(t) {
		data, _ := readFile(t, p)
		comparePaths(t, corpusFileInfo(p), splitLines(data))
	}
}

// TestFastMatchesSlowSynth compares a slice of the synthetic history (large
// tool outputs, agent_progress copies), when it has been generated.
func TestFastMatchesSlowSynth(t *testing.T) {
	fis, _ := Discover([]string{synthDir})
	if len(fis) == 0 {
		t.Skipf("no synthetic history at %s", synthDir)
	}
	var size int
	for _, fi := range fis {
		if size > 8<<20 {
			break
		}
		data, _ := readFile(t, fi.Path)
		size += len(data)
		comparePaths(t, fi, splitLines(data))
	}
}

// toolUseSetupLine starts Bash (commit, PR), Task, Edit and Skill calls
// whose results trickyLines and the fuzzer exercise.
const toolUseSetupLine = `{"type":"assistant","uuid":"a2","timestamp":"2026-01-01T00:00:01Z","message":{"id":"m8","model":"claude-opus-4-6","content":[{"type":"tool_use","id":"toolu_b","name":"Bash","input":{"command":"git commit -m x && gh pr create"}},{"type":"tool_use","id":"toolu_t","name":"Task","input":{"prompt":"p","subagent_type":"x"}},{"type":"tool_use","id":"toolu_e","name":"Edit","input":{}},{"type":"tool_use","id":"toolu_s","name":"Skill","input":{"skill":"s"}}]}}`

// trickyLines are inputs where a shortcut could diverge from goccy: case
// folded, escaped or duplicate keys, nulls, odd numbers, escapes and
// surrogates, invalid JSON that goccy's lax skipping accepts, and the
// header-only decoding of progress lines.
var trickyLines = []string{
	``, `   `, `{}`, `[]`, `null`, `{"type":"user"} x`, `{"type":"user"}   `, "\t{\"type\":\"user\"}\n",
	`{"type":"user","TYPE":"assistant"}`, `{"type":"user","Type":"assistant"}`, `{"Type":"user"}`,
	`{"type":"user","type":"assistant"}`, `{"t\u0079pe":"user"}`, `{"type":"us\u0065r","uuid":"u1","message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","message":{"content":"hi","Content":"yo"}}`,
	`{"type":"user","uuid":"u1","message":{"content":"hi","content":"yo"}}`,
	`{"type":"user","uuid":"u1","message":{"content":5}}`,
	`{"type":"user","uuid":"u1","message":{"content":{]}}`,
	`{"type":"user","uuid":"u1","message":{"content":["x"]}}`,
	`{"type":"user","uuid":"u1","message":{"content":[null,{"type":"text","text":null},{"type":"text","text":"a\u00e9\ud83d\ude00\ud800x\udc00"}]}}`,
	`{"type":"user","uuid":"u1","message":{"content":"\x"}}`,
	`{"type":"user","uuid":"u1","message":{"content":"\u12"}}`,
	`{"type":"user","uuid":"u1","message":{"content":"a` + "\x00" + `b"}}`,
	`{"type":"user","uuid":"u1","message":{"content":"tab	raw \xff\xfe bytes"}}`,
	`{"type":"user","uuid":"u1","isMeta":null,"isSidechain":null,"sessionId":null,"version":null,"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","isMeta":"yes","message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","cwd":5,"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":{"a":[1,2,{"b":-0.5e+3}],"c":true,"d":null},"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":[1,],"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":01,"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":tru,"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":{"a":1,"a":2},"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u1","unknown":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `,"message":{"content":"hi"}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","requestId":"r","message":{"id":"m1","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m2","model":"claude-opus-4-6","usage" : {"input_tokens":1,"output_tokens":2}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m3","model":"claude-opus-4-6","usage":{"input_tokens":1.0,"output_tokens":2}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m4","model":"claude-opus-4-6","usage":{"input_tokens":-0,"output_tokens":2}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m5","model":"claude-opus-4-6","usage":{"input_tokens":99999999999999999999,"output_tokens":2}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m6","model":"claude-opus-4-6","usage":{"input_tokens":-5,"output_tokens":2,"speed":"fast","cache_creation":{"ephemeral_5m_input_tokens":1,"ephemeral_1h_input_tokens":null}}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m7","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2,"Input_Tokens":5}}}`,
	`{"type":"assistant","uuid":"a1","timestamp":"2026-01-01T00:00:00Z","message":{"id":null,"model":"<synthetic>","content":[{"type":"text","text":"API Error: 500"}],"usage":{"input_tokens":0,"output_tokens":0}},"isApiErrorMessage":true}`,
	toolUseSetupLine,
	`{"type":"user","uuid":"u2","timestamp":"2026-01-01T00:00:02Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_b","content":"[main abc1234] x\nhttps://github.com/o/r/pull/7"}]},"toolUseResult":{"stdout":"[main 1234567] y\\n","stdout2":1}}`,
	`{"type":"user","uuid":"u3","timestamp":"2026-01-01T00:00:03Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_t","content":[{"type":"text","text":"done\nagentId: abc"}]}]},"toolUseResult":{"agentId":"def","status":5}}`,
	`{"type":"user","uuid":"u4","timestamp":"2026-01-01T00:00:04Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_e","content":"ok"}]},"toolUseResult":{"filePath":"/a","structuredPatch":[null,{"lines":["+a","-b","\u002bc","\u002D","\\-d",null,""]},{"lines":null},{}]}}`,
	`{"type":"user","uuid":"u4","timestamp":"2026-01-01T00:00:04Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_e","content":"ok"}]},"toolUseResult":{"filePath":"/a","structuredPatch":[{"Lines":["+x"]}]}}`,
	`{"type":"user","uuid":"u4","timestamp":"2026-01-01T00:00:04Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_q","content":"ok","is_error":true}]},"toolUseResult":{"exitCode":2,"stdout":"out"}}`,
	`{"type":"user","uuid":"u1","sessionid":"s2","parentuuid":"x","message":{"content":"hi"}}`,
	`{"type":"progress","Cwd":"/x","timestamp":"2026-01-01T00:00:13Z","data":{"type":"hook_progress"}}`,
	`{"type":"progress","cwd":"/y","cwd":"/z","timestamp":"2026-01-01T00:00:13Z"}`,
	`{"type":"user","uuid":"u1","unknown":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `,"message":{"content":"hi"}}`,
	`{"type":"user","uuid":"u5","timestamp":"2026-01-01T00:00:05Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_e","content":"ok"}]},"toolUseResult":{"filePath":"/a","type":"create","content":"a\nb\n","structuredPatch":[]}}`,
	`{"type":"user","uuid":"u6","timestamp":"2026-01-01T00:00:06Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_x","is_error":true,"content":"Exit code 3\nNo such file"}]},"toolUseResult":"Error: Exit code 3"}`,
	`{"type":"user","uuid":"u7","timestamp":"2026-01-01T00:00:07Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_y","content":"x"}]},"toolUseResult":{"exitCode":1.5,"interrupted":true}}`,
	`{"type":"user","uuid":"u8","timestamp":"2026-01-01T00:00:08Z","message":{"content":[{"type":"tool_result","tool_use_id":"toolu_z","content":"` + strings.Repeat(`\"é\u00e9\ud83d\ude00`, 700) + `"}]},"toolUseResult":{"interrupted":"no"}}`,
	`{"type":"user","uuid":"u9","timestamp":"2026-01-01T00:00:09Z","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":"a"},{"type":"tool_result","tool_use_id":"t2","content":null}]},"toolUseResult":{"stdout":"x"}}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:10Z","data":{"type":"hook_progress"},"uuid":"p1"}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:11Z","parentToolUseID":"toolu_t","data":{"type":"agent_progress","agentId":"ag","message":{"timestamp":"2026-01-01T00:00:11Z","requestId":"r2","isSidechain":null,"message":{"id":"m9","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2}}}}}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:12Z","parentToolUseID":"toolu_t","data":{"type":"agent\u005fprogress","agentId":"ag2","message":{"timestamp":"2026-01-01T00:00:12Z","message":{"id":"m10","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2}}}}}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:13Z","message":{"id":"m11","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":2}}}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:13Z","message":5}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:14Z","data":{"type":"agent_progress","agentId":5}}`,
	`{"type":"progress","timestamp":"2026-01-01T00:00:14Z","data":{"type":"agent_progress","agentId":"ag3","AgentId":"x"}}`,
	`{"type":"system","subtype":"compact_boundary","uuid":"s1","timestamp":"2026-01-01T00:00:15Z","compactMetadata":{"trigger":"auto","preTokens":5}}`,
	`{"type":"pr-link","timestamp":"2026-01-01T00:00:16Z","prUrl":"https://github.com/o/r/pull/9","prNumber":"9","prRepository":"o/r"}`,
	`{"type":"custom-title","customTitle":"t\u00e9","timestamp":"2026-01-01T00:00:17Z"}`,
	`{"type":"user","uuid":"u10","parentUuid":null,"isSidechain":true,"timestamp":"2026-01-01T00:00:18Z","message":{"content":"p"}}`,
	`{"type":"user","uuid":"u11","parentUuid":"u10","isSidechain":true,"timestamp":"2026-01-01T00:00:19Z","message":{"content":[{"type":"text","text":"q"}]}}`,
}

func TestFastMatchesSlowTricky(t *testing.T) {
	for _, fi := range fuzzFileInfos {
		for _, opts := range []Options{DefaultOptions(), {}} {
			r := newPairRunner(fi, opts)
			for _, l := range trickyLines {
				if d := r.line([]byte(l)); d != "" {
					t.Errorf("%s: line %.200q differs:\n%s", fi.Path, l, d)
				}
			}
			if d := r.endBatch(); d != "" {
				t.Error(d)
			}
		}
	}
}

var fuzzFileInfos = []FileInfo{
	{Path: "p/s.jsonl", ProjectDir: "p", SessionID: "s", Kind: Main},
	{Path: "p/s/subagents/agent-a.jsonl", ProjectDir: "p", SessionID: "s", AgentID: "a", Kind: SubagentDir,
		Meta: &AgentMeta{ToolUseID: "toolu_1", ParentAgentID: "b"}},
	{Path: "p/agent-c.jsonl", ProjectDir: "p", AgentID: "c", Kind: LegacyAgent},
}

// FuzzFastMatchesSlow: after lines that set up tool calls (so results of
// Bash commits, Task and Edit calls take their full paths), any line yields
// the same facts and error on both paths.
func FuzzFastMatchesSlow(f *testing.F) {
	for _, l := range append(trickyLines, hookTrickyLines...) {
		f.Add([]byte(l))
	}
	paths, _ := filepath.Glob(filepath.Join(testProjects, "*", "*.jsonl"))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for _, l := range splitLines(data) {
			f.Add(l)
		}
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, fi := range fuzzFileInfos {
			r := newPairRunner(fi, DefaultOptions())
			r.line([]byte(toolUseSetupLine))
			for range 2 {
				if d := r.line(line); d != "" {
					t.Fatal(d)
				}
			}
			if d := r.endBatch(); d != "" {
				t.Fatal(d)
			}
		}
	})
}

// TestFastPathTaken guards the speed-up itself: every line of real
// transcripts that goccy decodes must be decoded by the fast path, not
// handed back to goccy.
func TestFastPathTaken(t *testing.T) {
	var paths []string
	for _, fi := range testFiles(t) {
		paths = append(paths, fi.Path)
	}
	if dir := filepath.Join("..", "..", "..", "shared", "corpus", "public"); dirExists(dir) {
		corpus, _ := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
		paths = append(paths, corpus...)
	}
	var d fastDecoder
	lines := 0
	for _, p := range paths {
		data, _ := readFile(t, p)
		for i, l := range splitLines(data) {
			var slow Line
			if _, _, ok, err := decodeSlow(l, &slow); err != nil || !ok {
				continue
			}
			lines++
			var fast Line
			if _, _, st := d.decode(l, &fast); st == fastSlow {
				t.Errorf("%s:%d falls back to goccy: %.200s", filepath.Base(p), i+1, l)
			}
		}
	}
	if lines < 50 {
		t.Errorf("only %d lines checked", lines)
	}
}

func dirExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
