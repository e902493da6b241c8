package transcript

import (
	"encoding/json"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Hook lines in the shapes Claude Code writes (transcript-format.md §6, §7;
// attachments from newer versions).
const (
	hookPreBash        = `{"type":"progress","uuid":"h1","timestamp":"2026-02-10T21:12:01.124Z","sessionId":"s","data":{"type":"hook_progress","hookEvent":"PreToolUse","hookName":"PreToolUse:Bash","command":"guard.sh"},"toolUseID":"toolu_1","parentToolUseID":"toolu_1"}`
	hookPreBashOK      = `{"type":"attachment","uuid":"h2","timestamp":"2026-02-10T21:12:01.200Z","sessionId":"s","attachment":{"type":"hook_success","hookName":"PreToolUse:Bash","toolUseID":"toolu_1","hookEvent":"PreToolUse","content":"","stdout":"","stderr":"warn","exitCode":0,"command":"guard.sh","durationMs":31}}`
	hookPreBashBlocked = `{"type":"attachment","uuid":"h3","timestamp":"2026-02-10T21:12:01.300Z","sessionId":"s","attachment":{"type":"hook_blocking_error","hookName":"PreToolUse:Bash","toolUseID":"toolu_1","hookEvent":"PreToolUse","blockingError":{"blockingError":"no rm -rf","command":"guard.sh"}}}`
	hookStop1          = `{"type":"progress","uuid":"p1","timestamp":"2026-02-10T22:03:51.758Z","sessionId":"s","data":{"type":"hook_progress","hookEvent":"Stop","hookName":"Stop","command":"a.sh"},"parentToolUseID":"stop-1","toolUseID":"stop-1"}`
	hookStop2          = `{"type":"progress","uuid":"p2","timestamp":"2026-02-10T22:03:51.758Z","sessionId":"s","data":{"type":"hook_progress","hookEvent":"Stop","hookName":"Stop","command":"b.sh"},"parentToolUseID":"stop-1","toolUseID":"stop-1"}`
	hookStopSummary    = `{"type":"system","subtype":"stop_hook_summary","hookCount":2,"hookInfos":[{"command":"a.sh"},{"command":"b.sh"}],"hookErrors":[],"preventedContinuation":false,"stopReason":"","hasOutput":true,"level":"suggestion","timestamp":"2026-02-10T22:03:51.807Z","uuid":"sum1","toolUseID":"stop-1","sessionId":"s"}`
	hookStopSummaryErr = `{"type":"system","subtype":"stop_hook_summary","hookCount":1,"hookInfos":[{"command":"a.sh"}],"hookErrors":["boom"],"preventedContinuation":true,"stopReason":"tests fail","timestamp":"2026-02-10T22:03:52Z","uuid":"sum2","toolUseID":"stop-2","sessionId":"s"}`
	hookNoIDs          = `{"type":"progress","uuid":"p3","timestamp":"2026-02-10T22:04:00Z","sessionId":"s","data":{"type":"hook_progress","hookEvent":"PostToolUse","hookName":"PostToolUse:Grep","command":"true"}}`
	hookCancelled      = `{"type":"attachment","uuid":"h4","timestamp":"2026-02-10T22:05:00Z","sessionId":"s","attachment":{"type":"hook_cancelled","hookName":"PostToolUse:Edit","toolUseID":"toolu_2","hookEvent":"PostToolUse"}}`
	hookContext        = `{"type":"attachment","uuid":"h5","timestamp":"2026-02-10T22:05:01Z","sessionId":"s","attachment":{"type":"hook_additional_context","hookName":"SessionStart","content":["ctx"]}}`
	hookNonBlocking    = `{"type":"attachment","uuid":"h6","timestamp":"2026-02-10T22:05:02Z","sessionId":"s","attachment":{"type":"hook_non_blocking_error","hookName":"SessionStart:startup","toolUseID":"ss-1","hookEvent":"SessionStart","stderr":"missing dir","stdout":"","exitCode":1,"command":"init.sh","durationMs":12}}`
)

type hookWant struct {
	key, status, toolUseID string
	isError                bool
	payload                map[string]any // subset of the payload
}

func TestHookFacts(t *testing.T) {
	exit0, exit1 := int64(0), int64(1)
	preKey := "hook:toolu_1:PreToolUse:" + fnvHex("guard.sh")
	tests := []struct {
		name    string
		lines   []string
		content bool
		want    []hookWant
		exit    []*int64 // ExitCode of each fact, when checked
	}{{
		name:    "progress then outcome: one execution, same key",
		lines:   []string{hookPreBash, hookPreBashOK},
		content: true,
		want: []hookWant{
			{key: preKey, status: HookStatusStarted, toolUseID: "toolu_1",
				payload: map[string]any{"hookEvent": "PreToolUse", "hookName": "PreToolUse:Bash", "command": "guard.sh", "source": "hook_progress"}},
			{key: preKey, status: HookStatusSuccess, toolUseID: "toolu_1",
				payload: map[string]any{"source": "hook_success", "command": "guard.sh"}},
		},
		exit: []*int64{nil, &exit0},
	}, {
		name:    "an outcome is not replaced by a late start",
		lines:   []string{hookPreBashBlocked, hookPreBash},
		content: true,
		want: []hookWant{{key: preKey, status: HookStatusBlockingError, toolUseID: "toolu_1", isError: true,
			payload: map[string]any{"output": "no rm -rf", "command": "guard.sh"}}},
	}, {
		name:    "stop hooks: the summary completes the progress lines",
		lines:   []string{hookStop1, hookStop2, hookStopSummary},
		content: true,
		want: []hookWant{
			{key: "hook:stop-1:Stop:" + fnvHex("a.sh"), status: HookStatusStarted, payload: map[string]any{"runId": "stop-1"}},
			{key: "hook:stop-1:Stop:" + fnvHex("b.sh"), status: HookStatusStarted},
			{key: "hook:stop-1:Stop:" + fnvHex("a.sh"), status: HookStatusSuccess,
				payload: map[string]any{"source": "stop_hook_summary", "hookEvent": "Stop", "command": "a.sh"}},
			{key: "hook:stop-1:Stop:" + fnvHex("b.sh"), status: HookStatusSuccess},
		},
	}, {
		name:    "a summary with errors blames its only hook",
		lines:   []string{hookStopSummaryErr},
		content: true,
		want: []hookWant{{key: "hook:stop-2:Stop:" + fnvHex("a.sh"), status: HookStatusError, isError: true,
			payload: map[string]any{"hookErrors": float64(1), "preventedContinuation": true, "stopReason": "tests fail"}}},
	}, {
		name:  "no toolUseID: keyed by the line",
		lines: []string{hookNoIDs},
		want: []hookWant{{key: "hook:p3", status: HookStatusStarted,
			payload: map[string]any{"hookEvent": "PostToolUse", "command": nil}}},
	}, {
		name:  "no command: keyed by the line; additional context is no execution",
		lines: []string{hookCancelled, hookContext},
		want:  []hookWant{{key: "hook:h4", status: HookStatusCancelled, toolUseID: "toolu_2"}},
	}, {
		name:  "include_content=false drops commands and outputs, keeps names",
		lines: []string{hookNonBlocking, hookStopSummaryErr},
		want: []hookWant{
			{key: "hook:ss-1:SessionStart:" + fnvHex("init.sh"), status: HookStatusNonBlockingError, isError: true,
				payload: map[string]any{"hookName": "SessionStart:startup", "runId": "ss-1", "command": nil, "output": nil}},
			{key: "hook:stop-2:Stop:" + fnvHex("a.sh"), status: HookStatusError, isError: true,
				payload: map[string]any{"stopReason": nil, "command": nil}},
		},
		exit: []*int64{&exit1, nil},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{IncludeContent: tt.content}
			e := NewExtractor(FileInfo{Path: "p/s.jsonl", ProjectDir: "p", SessionID: "s", Kind: Main}, opts)
			var got []facts.Fact
			for _, l := range tt.lines {
				if err := e.Line([]byte(l), func(f facts.Fact) {
					if f.Event == facts.EventHook {
						got = append(got, f)
					}
				}); err != nil {
					t.Fatal(err)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d hook facts, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				f := got[i]
				if f.Key != w.key || f.Status != w.status || f.ToolUseID != w.toolUseID || f.IsError != w.isError {
					t.Errorf("fact %d = key %q status %q tool %q error %v, want %+v", i, f.Key, f.Status, f.ToolUseID, f.IsError, w)
				}
				if f.SessionID != "s" || f.Time.IsZero() {
					t.Errorf("fact %d misses its context: %+v", i, f)
				}
				var p map[string]any
				if err := json.Unmarshal([]byte(f.Payload), &p); err != nil {
					t.Fatalf("payload %q: %v", f.Payload, err)
				}
				for k, v := range w.payload {
					if p[k] != v {
						t.Errorf("fact %d payload[%q] = %v, want %v (%s)", i, k, p[k], v, f.Payload)
					}
				}
				if tt.exit != nil {
					switch want := tt.exit[i]; {
					case want == nil && f.ExitCode != nil, want != nil && (f.ExitCode == nil || *f.ExitCode != *want):
						t.Errorf("fact %d exit code %v, want %v", i, f.ExitCode, want)
					}
				}
			}
		})
	}
}

func fnvHex(s string) string {
	return hookKey(&hookRun{toolUseID: "x", command: s}, "", -1)[len("hook:x::"):]
}

// TestHookLinesBothPaths runs the hook shapes, and variants where a
// shortcut could diverge, through the fast and the slow decoder.
func TestHookLinesBothPaths(t *testing.T) {
	lines := append([]string{}, hookPreBash, hookPreBashOK, hookPreBashBlocked, hookStop1, hookStop2,
		hookStopSummary, hookStopSummaryErr, hookNoIDs, hookCancelled, hookContext, hookNonBlocking)
	lines = append(lines, hookTrickyLines...)
	for _, fi := range fuzzFileInfos {
		for _, opts := range []Options{DefaultOptions(), {}} {
			r := newPairRunner(fi, opts)
			for _, l := range lines {
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

var hookTrickyLines = []string{
	`{"type":"progress","uuid":"t1","data":{"type":"hook_progress","hookEvent":"Stop","command":"x"},"toolUseID":5}`,
	`{"type":"progress","uuid":"t2","data":{"type":"hook_progress","hookEvent":"Stop","command":"x"},"toolUseID":"a\u0062c"}`,
	`{"type":"progress","uuid":"t3","data":{"type":"hook_progress","hookEvent":"Stop","command":"x"},"toolUseID":null}`,
	`{"type":"progress","uuid":"t4","data":{"type":"hook_progress","hookEvent":"Stop","command":5},"toolUseID":"s"}`,
	`{"type":"progress","uuid":"t5","data":{"type":"hook\u005fprogress","hookEvent":"Stop","command":"x"},"toolUseID":"s"}`,
	`{"type":"progress","uuid":"t6","data":{"type":"hook\u005fprogress","hookEvent":"Stop","command":"\"hook_progress\""},"toolUseID":"s"}`,
	`{"type":"progress","uuid":"t7","data":{"type":"agent\u005fprogress","agentId":"z","command":"\"hook_progress\""},"toolUseID":"s"}`,
	`{"type":"progress","uuid":"t8","data":{"type":"hook_progress","hookEvent":"Stop","Command":"x"},"toolUseID":"s"}`,
	`{"type":"progress","uuid":"t9","data":{"type":"hook_progress","hookEvent":"Stop","command":"x"},"ToolUseID":"s","toolUseID":"s"}`,
	`{"type":"progress","uuid":"t10","message":{"id":"m","model":"claude-opus-4-6","usage":{"input_tokens":1,"output_tokens":1}},"data":{"type":"hook_progress","hookEvent":"PreToolUse","hookName":"PreToolUse:Bash","command":"x"},"toolUseID":"toolu_9"}`,
	`{"type":"progress","uuid":"t11","data":{"type":"hook_progress","hookName":"PostToolUse:Edit","command":"x"},"toolUseID":"toolu_9"}`,
	`{"type":"progress","uuid":"t12","data":"hook_progress","toolUseID":"toolu_9"}`,
	`{"type":"progress","uuid":"t13","data":{"type":"hook_progress","hookEvent":"Stop","command":"x","command":"y"},"toolUseID":"s"}`,
	`{"type":"attachment","uuid":"t14","attachment":{"type":"hook_success","command":42,"toolUseID":"s"}}`,
	`{"type":"attachment","uuid":"t15","attachment":"hook_success"}`,
	`{"type":"attachment","uuid":"t16","attachment":{"type":"hook_error_during_execution","hookEvent":"Stop","content":"boom","toolUseID":"s"}}`,
	`{"type":"attachment","uuid":"t17","attachment":{"type":"hook_blocking_error","hookEvent":"Stop","blockingError":null}}`,
	`{"type":"system","subtype":"stop_hook_summary","uuid":"t18","hookInfos":null,"hookErrors":{"a":1}}`,
	`{"type":"system","subtype":"stop_hook_summary","uuid":"t19","hookInfos":[{"command":"a"},null,{"command":5}],"toolUseID":"s"}`,
}
