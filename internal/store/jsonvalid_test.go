package store

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

var jsonValidCases = []string{
	``, ` `, `{}`, `[]`, ` { } `, `[ ]`, `{"a":1}`, `{"a" : [1, 2.5, -0, -0.1e+10, 3E-2, true, false, null, "x"]}`,
	`{"a":{"b":{"c":[[],[{}]]}}}`, `"\u00e9\n\"\\\/\b\f\r\t"`, `"é 日本 \xff"`, `0`, `-`, `01`, `1.`, `.5`, `1e`, `1e+`,
	`-a`, `+1`, `tru`, `true `, ` null`, `nul`, `falsey`, `"abc`, `"a\"`, `"\x"`, `"\u12"`, `"\u12g4"`, "\"a\tb\"",
	"\"a\x01\"", `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a":1 "b":2}`, `[1 2]`, `[`, `]`, `{`, `}`,
	`[}`, `{]`, `{1:2}`, `{"a":1}}`, `[1]]`, `1 2`, `{} {}`, `"a" "b"`, "\t\r\n[\t1\r,\n2 ]\n", `{"":""}`,
	`[{"type":"text","text":"line one\nline two"}]`, `nulll`, `-01`, `-0.0e0`, `1E400`,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70),
}

func TestJSONValidMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonValidCases {
		assert.Equal(t, json.Valid([]byte(s)), jsonValid(s), "%.80q", s)
	}
}

func FuzzJSONValid(f *testing.F) {
	for _, s := range jsonValidCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if want := json.Valid([]byte(s)); jsonValid(s) != want {
			t.Fatalf("jsonValid(%q) = %v, encoding/json says %v", s, !want, want)
		}
	})
}

// appendJSONString must encode s as encoding/json does, up to the choice of
// escapes: both decode to the same string.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain ascii path /home/u/a.go", "tab\there \"q\" back\\slash\n", "\x00\x1f\x7f",
		"é日本 and more text after it", "bad \xff\xfe utf8 \xe6\x97 cut", strings.Repeat("abcdefgh", 9) + "\"",
		"<&> \u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		enc := appendJSONString(nil, s)
		if !json.Valid(enc) {
			t.Fatalf("appendJSONString(%q) = %s, not valid JSON", s, enc)
		}
		std, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var got, want string
		if err := json.Unmarshal(enc, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(std, &want); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("appendJSONString(%q) decodes to %q, encoding/json's to %q", s, got, want)
		}
	})
}
