package transcript

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// toolUseResultCases are toolUseResult values of the shapes Claude Code
// writes, and broken ones (goccy decodes those partially).
var toolUseResultCases = []string{
	`null`, `"Error: Exit code 1"`, `"\u00e9\ud83d\ude00"`, `5`, `[1]`, `{}`,
	`{"stdout":"[main 1234567] x\n","stderr":"","interrupted":false,"isImage":false}`,
	`{"stdout":null,"interrupted":null,"exitCode":null}`,
	`{"stdout":"a","exitCode":3,"status":"completed","agentId":"ab","filePath":"/f","type":"update"}`,
	`{"filePath":"/f","structuredPatch":[{"oldStart":1,"lines":["+a","-b"," c","\u002bd","\u002De","\\-f",null,""]},null,{"lines":null},{}]}`,
	`{"filePath":"/f","type":"create","content":"a\nb","structuredPatch":[]}`,
	`{"structuredPatch":null}`, `{"structuredPatch":{}}`, `{"structuredPatch":[{"lines":[1]}]}`,
	`{"structuredPatch":[{"lines":["+a"],"LINES":["+b"]}]}`, `{"structuredPatch":[{"lines":["+a"],"lines":["+b"]}]}`,
	`{"interrupted":"no","stdout":"x"}`, `{"stdout":"x","interrupted":"no"}`, `{"exitCode":1.5,"agentId":"a"}`,
	`{"agentId":"a","exitCode":-0}`, `{"Stdout":"x"}`, `{"stdout":"x","stdout":"y"}`, `{"stdout":"\q"}`,
	`{"file":{"content":"` + strings.Repeat(`x\n`, 3000) + `"},"type":"text"}`,
}

// comparableResult flattens toolResultInfo for comparison.
func comparableResult(r toolResultInfo) map[string]any {
	m := map[string]any{
		"interrupted": r.Interrupted, "agentId": r.AgentID, "filePath": r.FilePath, "type": r.Type,
		"content": string(r.Content), "stdout": r.stdout.String(), "stdoutEmpty": r.stdout.empty(),
		"patch": r.patch, "text": r.text, "exitCode": nil,
	}
	if r.ExitCode != nil {
		m["exitCode"] = *r.ExitCode
	}
	return m
}

func checkToolResult(t *testing.T, raw []byte) {
	want := comparableResult(decodeToolResultSlow(raw))
	if got := comparableResult(decodeToolResult(raw)); !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeToolResult(%.200q):\n got  %v\n want %v", raw, got, want)
	}
	// The same value decoded during the line scan.
	line := append(append([]byte(`{"toolUseResult":`), raw...), '}')
	var d fastDecoder
	var l Line
	if _, _, st := d.decode(line, &l); st != fastOK || !d.tur.ok {
		return
	}
	if got := comparableResult(d.tur); !reflect.DeepEqual(got, want) {
		t.Fatalf("line scan of %.200q:\n got  %v\n want %v", raw, got, want)
	}
}

func TestDecodeToolResult(t *testing.T) {
	for _, c := range toolUseResultCases {
		checkToolResult(t, []byte(c))
	}
	r := decodeToolResult(json.RawMessage(toolUseResultCases[9]))
	if want := (patchStats{present: true, hunks: 4, additions: 2, deletions: 2}); r.patch != want {
		t.Errorf("patch %+v, want %+v", r.patch, want)
	}
}

func FuzzDecodeToolResult(f *testing.F) {
	for _, c := range toolUseResultCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkToolResult)
}

// resultContentCases are tool_result contents.
var resultContentCases = []string{
	``, `null`, `""`, `"ok"`, `"a\nb\u00e9"`, `5`, `{"a":1}`, `"\q"`,
	`[{"type":"text","text":"a"},{"type":"image","source":{}},{"type":"text","text":"b"}]`,
	`[{"type":"text","text":""},{"type":"text","text":"b"}]`, `[{"type":"text","text":5}]`,
	`"` + strings.Repeat(`é\"x\n`, 1500) + `"`, `"` + strings.Repeat(`\ud83d\ude00`, 1100) + `"`,
	`"` + strings.Repeat(`a`, 4095) + `\u00e9"`, `"` + strings.Repeat(`a`, 4096) + `"`, `"` + strings.Repeat(`a`, 4097) + `"`,
}

func checkResultContent(t *testing.T, raw []byte) {
	want := resultTextSlow(raw)
	for _, fromScan := range []bool{false, true} {
		b := Block{Content: raw}
		if fromScan {
			line := append(append([]byte(`{"message":{"content":[{"type":"tool_result","content":`), raw...), []byte(`}]}}`)...)
			var d fastDecoder
			var l Line
			blocks, _, st := d.decode(line, &l)
			if st != fastOK || len(blocks) != 1 {
				continue
			}
			b = blocks[0]
		}
		var scratch []byte
		for _, n := range []int{0, 1, 3, 4096} {
			r := newResultContent(&b)
			if p, total := r.preview(n, &scratch); p != truncate(want, n) || total != len(want) {
				t.Fatalf("preview(%d) of %.200q = %q, %d; want %q, %d", n, raw, p, total, truncate(want, n), len(want))
			}
		}
		r := newResultContent(&b)
		if got := r.text(); got != want {
			t.Fatalf("text of %.200q = %.200q, want %.200q", raw, got, want)
		}
	}
}

func TestResultContent(t *testing.T) {
	for _, c := range resultContentCases {
		checkResultContent(t, []byte(c))
	}
}

func FuzzResultContent(f *testing.F) {
	for _, c := range resultContentCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkResultContent)
}
