package transcript

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"
)

// strCases are JSON string contents (between the quotes).
var strCases = []string{
	``, `plain`, `a\nb\tc\"d\\e\/f\bg\fh\ri`, `\u00e9\u20ac`, `\ud83d\ude00`, `\uD83D\uDE00`,
	`\ud800`, `\udc00`, `\ud800x`, `\ud800\u0041`, `\ud800\ud800\udc00`, `x\ud83d`, `\ud83d\ude0`,
	`raw é € 😀 \xff bytes`, "tab\there", `\x`, `\u12`, `\u12G4`, `\`, `a\"`, `\\`, `\\\"`,
	strings.Repeat(`line \"quoted\"\n`, 500),
}

// checkStr: when the scanner accepts a string, goccy decodes it to exactly
// what decodeStr returns, s.n is its length and limited decoding yields a
// prefix.
func checkStr(t *testing.T, content []byte) {
	if hasNUL(content) {
		return // callers keep NUL bytes from the scanner
	}
	in := append(append([]byte{'"'}, content...), '"')
	s := scanner{b: in}
	raw, esc := s.str()
	if s.fail || !s.atEnd() {
		return
	}
	var want string
	if err := gojson.Unmarshal(in, &want); err != nil {
		t.Fatalf("scanner accepts %q, goccy: %v", in, err)
	}
	if got := decodeStr(raw, esc); got != want {
		t.Fatalf("decodeStr(%q) = %q, goccy %q", in, got, want)
	}
	if s.n != len(want) {
		t.Fatalf("%q: decoded length %d, want %d", in, s.n, len(want))
	}
	for _, limit := range []int{0, 1, 2, 5, len(want) / 2, len(want) + 1} {
		got := appendUnescaped(nil, raw, limit)
		if !strings.HasPrefix(want, string(got)) || len(got) < min(limit, len(want)) {
			t.Fatalf("%q limit %d: %q is not a long enough prefix of %q", in, limit, got, want)
		}
	}
}

func TestScannerStr(t *testing.T) {
	for _, c := range strCases {
		checkStr(t, []byte(c))
	}
	// The accepted ones must be accepted.
	for _, c := range []string{`plain`, `\ud800\u0041`, `\ud83d\ude00`, `a\"`} {
		s := scanner{b: []byte(`"` + c + `"`)}
		if s.str(); s.fail {
			t.Errorf("%q rejected", c)
		}
	}
	for _, c := range []string{`\x`, `\u12`, `\u12G4`, `\`} {
		s := scanner{b: []byte(`"` + c + `"`)}
		if s.str(); !s.fail && s.atEnd() {
			t.Errorf("%q accepted", c)
		}
	}
}

func FuzzScannerStr(f *testing.F) {
	for _, c := range strCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkStr)
}

// valueCases are whole JSON values.
var valueCases = []string{
	`0`, `-0`, `1.5e+3`, `-12`, `01`, `1.`, `.5`, `1e`, `true`, `tru`, `null`, `nul`, `"s"`, `[]`, `{}`,
	`[1,2,[3,{"a":null}]]`, `[1,]`, `{"a":1,}`, `{"a" : [ true , false ] }`, `{"a"}`, `{1:2}`, `[}`, `{]`,
	`{"a":1}x`, `"\u00e9"`, `"\q"`,
}

// checkSkip: whatever the scanner accepts goccy also accepts, with the same
// raw value. The scanner is as strict as the JSON grammar except for raw
// control characters in strings, which goccy accepts too.
func checkSkip(t *testing.T, in []byte) {
	if hasNUL(in) {
		return
	}
	s := scanner{b: in}
	raw := s.skip()
	if s.fail || !s.atEnd() {
		return
	}
	// Outside strings the scanner only accepts JSON whitespace, so blanking
	// control characters only legalizes those inside strings.
	blanked := bytes.Map(func(r rune) rune {
		if r < 0x20 {
			return ' '
		}
		return r
	}, in)
	if !json.Valid(blanked) {
		t.Fatalf("scanner accepts invalid JSON %q", in)
	}
	var got json.RawMessage
	if err := gojson.Unmarshal(in, &got); err != nil {
		t.Fatalf("scanner accepts %q, goccy: %v", in, err)
	}
	if !bytes.Equal(raw, bytes.TrimSpace(in)) {
		t.Fatalf("raw %q, want %q", raw, in)
	}
}

func TestScannerSkip(t *testing.T) {
	accepted := 0
	for _, c := range valueCases {
		checkSkip(t, []byte(c))
		s := scanner{b: []byte(c)}
		if s.skip(); !s.fail && s.atEnd() {
			accepted++
		}
	}
	if accepted != 12 {
		t.Errorf("%d of the value cases accepted, want the 12 valid ones", accepted)
	}
}

func FuzzScannerSkip(f *testing.F) {
	for _, c := range valueCases {
		f.Add([]byte(c))
	}
	f.Fuzz(checkSkip)
}

func TestIntField(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool // a value (not null) was read
		fail bool
	}{
		{"0,", 0, true, false}, {"42}", 42, true, false}, {"-7]", -7, true, false},
		{"null,", 0, false, false}, {"999999999999999999,", 999999999999999999, true, false},
		{"9999999999999999999,", 0, false, true}, {"-0,", 0, false, true}, {"01,", 0, false, true},
		{"1.0,", 0, false, true}, {"1e3,", 0, false, true}, {`"1",`, 0, false, true}, {"-,", 0, false, true},
	}
	for _, tt := range tests {
		s := scanner{b: []byte(tt.in)}
		v, ok := s.intField()
		if v != tt.want || ok != tt.ok || s.fail != tt.fail {
			t.Errorf("intField(%q) = %d, %v, fail %v; want %d, %v, fail %v", tt.in, v, ok, s.fail, tt.want, tt.ok, tt.fail)
		}
	}
}
