package transcript

import (
	"encoding/json"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestInputHash(t *testing.T) {
	base := InputHash("Bash", json.RawMessage(`{"command":"go test ./...","description":"Run tests"}`))
	if len(base) != 16 {
		t.Fatalf("hash %q: want 16 hex digits", base)
	}
	tests := []struct {
		name  string
		tool  string
		input string
		same  bool // same hash as base
	}{
		{"identical", "Bash", `{"command":"go test ./...","description":"Run tests"}`, true},
		{"whitespace and member order", "Bash", ` { "description" : "Run tests", "command":"go test ./..." } `, true},
		{"Bash description is volatile", "Bash", `{"command":"go test ./...","description":"Run the tests again"}`, true},
		{"other command", "Bash", `{"command":"go test ./internal/...","description":"Run tests"}`, false},
		{"timeout", "Bash", `{"command":"go test ./...","timeout":600000}`, false},
		{"background", "Bash", `{"command":"go test ./...","run_in_background":true}`, false},
		{"other tool, same input", "Shell", `{"command":"go test ./...","description":"Run tests"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := InputHash(tt.tool, json.RawMessage(tt.input))
			if (got == base) != tt.same {
				t.Errorf("InputHash = %q, base %q, want same=%v", got, base, tt.same)
			}
		})
	}
	// description is only volatile for Bash.
	a := InputHash("Task", json.RawMessage(`{"prompt":"p","description":"a"}`))
	b := InputHash("Task", json.RawMessage(`{"prompt":"p","description":"b"}`))
	if a == b {
		t.Error("Task descriptions must count")
	}
	for _, in := range []string{"", "null", "  "} {
		if h := InputHash("Bash", json.RawMessage(in)); h != "" {
			t.Errorf("InputHash(%q) = %q, want empty", in, h)
		}
	}
	// Other tools: whitespace outside strings does not count, inside it does.
	read := InputHash("Read", json.RawMessage(`{"file_path":"/a b","limit":10}`))
	if InputHash("Read", json.RawMessage("{ \"file_path\" : \"/a b\",\n \"limit\": 10 }\n")) != read {
		t.Error("whitespace between members changed the hash")
	}
	if InputHash("Read", json.RawMessage(`{"file_path":"/ab","limit":10}`)) == read {
		t.Error("whitespace inside a string must count")
	}
	if InputHash("Read", json.RawMessage(`{"a":"x\" y"}`)) == InputHash("Read", json.RawMessage(`{"a":"x\"y"}`)) {
		t.Error("an escaped quote must not end the string")
	}
}

// TestToolFactsCarryHashAndClass: the tool_use and its tool_result both
// carry the input hash and the Bash command class.
func TestToolFactsCarryHashAndClass(t *testing.T) {
	lines := []string{
		`{"type":"assistant","sessionId":"s","uuid":"u1","timestamp":"2026-01-01T00:00:00Z","message":{"id":"m1","role":"assistant","model":"claude-opus-4-6","content":[{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"go test ./...","description":"x"}}]}}`,
		`{"type":"user","sessionId":"s","uuid":"u2","timestamp":"2026-01-01T00:00:05Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","is_error":true,"content":"Exit code 1\nFAIL"}]}}`,
	}
	e := NewExtractor(FileInfo{Path: "/p/-proj/s.jsonl", SessionID: "s"}, DefaultOptions())
	got := map[string]facts.Fact{}
	for _, l := range lines {
		if err := e.Line([]byte(l), func(f facts.Fact) { got[f.Event] = f }); err != nil {
			t.Fatal(err)
		}
	}
	want := InputHash("Bash", json.RawMessage(`{"command":"go test ./..."}`))
	for _, ev := range []string{facts.EventToolUse, facts.EventToolResult} {
		f := got[ev]
		if f.InputHash != want || f.CommandClass != CommandTest {
			t.Errorf("%s: hash %q class %q, want %q %q", ev, f.InputHash, f.CommandClass, want, CommandTest)
		}
	}
	if !got[facts.EventToolResult].IsError {
		t.Error("result should be an error")
	}
}
