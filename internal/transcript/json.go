package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// JSON decoding uses github.com/goccy/go-json: decoding is ~80 % of the
// extractor's CPU time with encoding/json and goccy/go-json halves it
// (BenchmarkExtract on the public corpus: 64 -> ~135 MB/s, half the allocations). Its API is the
// standard one (RawMessage and Number are aliases of encoding/json's, which
// the rest of the package uses for types).

// unmarshal is json.Unmarshal that turns a decoder panic on hostile input
// into an error: transcript lines are untrusted and the collector must not
// die on one.
func unmarshal(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("json decoder panic: %v", r)
		}
	}()
	return gojson.Unmarshal(data, v)
}

// marshalPayload encodes v without HTML escaping; "{}" becomes "".
func marshalPayload(v any) string {
	var buf bytes.Buffer
	enc := gojson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	s := strings.TrimSuffix(buf.String(), "\n")
	if s == "{}" {
		return ""
	}
	return s
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// decodeLenient decodes what it can: polymorphic payloads (toolUseResult,
// tool inputs, compaction metadata) must not make a line bad.
func decodeLenient(raw json.RawMessage, v any) {
	if !isJSONValue(raw) {
		return
	}
	_ = unmarshal(raw, v)
}

func trimJSON(raw json.RawMessage) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return raw
}
