package transcript

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"hash"
)

// InputHash is a stable identity of a tool call's input: the first 16 hex
// digits of SHA-256 over the tool name and the input JSON with insignificant
// whitespace removed. Two calls with the same hash ran the same tool on the
// same input, so a re-issue after a failure is a retry and many re-issues
// are a loop. "" when there is no input.
//
// Bash hashes its command, timeout and run_in_background only: the
// description is a label the model rewrites on every attempt. Other tools
// hash their members in the order Claude Code wrote them (the model's
// generation order); sorting keys would mean decoding every input, which
// doubled the extractor's cost, and a re-issued call keeps its key order.
func InputHash(tool string, input json.RawMessage) string {
	var in *toolInput
	if tool == "Bash" {
		in = &toolInput{}
		decodeLenient(input, in)
	}
	return (&inputHasher{}).hash(tool, input, in)
}

// inputHasher reuses one SHA-256 state across the calls of an Extractor.
type inputHasher struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// hash computes InputHash; bash is the decoded input of a Bash call (nil
// for other tools).
func (x *inputHasher) hash(tool string, input json.RawMessage, bash *toolInput) string {
	input = trimJSON(input)
	if len(input) == 0 {
		return ""
	}
	if x.h == nil {
		x.h = sha256.New()
	}
	x.h.Reset()
	x.h.Write([]byte(tool))
	x.h.Write([]byte{0})
	if bash != nil {
		x.h.Write([]byte(bash.Command))
		x.h.Write([]byte{0})
		writeCompact(x.h, trimJSON(bash.Timeout))
		x.h.Write([]byte{0})
		writeCompact(x.h, trimJSON(bash.RunInBackground))
	} else {
		writeCompact(x.h, input)
	}
	return hex.EncodeToString(x.h.Sum(x.sum[:0])[:8])
}

// writeCompact writes JSON without the whitespace outside strings, in runs,
// without copying.
func writeCompact(w hash.Hash, b []byte) {
	start, inString, escaped := 0, false, false
	for i, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\n' || c == '\t' || c == '\r':
			if i > start {
				w.Write(b[start:i])
			}
			start = i + 1
		}
	}
	if start < len(b) {
		w.Write(b[start:])
	}
}
