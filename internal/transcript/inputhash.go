package transcript

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// maxCanonicalInput bounds the tool inputs InputHash decodes to put their
// keys in order; larger inputs (big Write contents) are hashed as compacted
// bytes, which is what Claude Code writes for the same input anyway.
const maxCanonicalInput = 64 << 10

// volatileInputKeys are input members that do not change what a tool does:
// Bash's description is a label the model rewrites on every attempt.
var volatileInputKeys = map[string][]string{"Bash": {"description"}}

// InputHash is a stable identity of a tool call's input: the first 16 hex
// digits of SHA-256 over the tool name and the canonical input JSON (keys
// sorted, insignificant whitespace removed, volatile members such as Bash's
// description dropped). Two calls with the same hash ran the same tool on
// the same input, so a re-issue after a failure is a retry and many
// re-issues are a loop. "" when the input is not JSON.
func InputHash(tool string, input json.RawMessage) string {
	input = trimJSON(input)
	if len(input) == 0 || !isJSONValue(input) {
		return ""
	}
	canon := canonicalInput(tool, input)
	if canon == nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(tool))
	h.Write([]byte{0})
	h.Write(canon)
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func canonicalInput(tool string, input json.RawMessage) []byte {
	if len(input) <= maxCanonicalInput && input[0] == '{' {
		d := json.NewDecoder(bytes.NewReader(input))
		d.UseNumber() // numbers keep their text: 1.0 and 1 stay different, as Claude Code wrote them
		var m map[string]any
		if d.Decode(&m) == nil {
			for _, k := range volatileInputKeys[tool] {
				delete(m, k)
			}
			if b, err := json.Marshal(m); err == nil { // maps marshal with sorted keys
				return b
			}
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, input) != nil {
		return nil
	}
	return buf.Bytes()
}
