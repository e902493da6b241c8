package transcript

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// Lines are decoded by the scanner-based fast path (fastline.go), which
// reads only the fields facts need and leaves large strings undecoded. It
// falls back to github.com/goccy/go-json, the reference decoding, for any
// line it cannot vouch for, so results and error messages are goccy's.
// goccy's API is the standard one (RawMessage and Number are aliases of
// encoding/json's, which the rest of the package uses for types).

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

// payloadEncoder is a reusable encoder for marshalPayload: most facts carry
// a payload, so a fresh buffer and encoder per fact was a large share of
// the extractor's garbage.
type payloadEncoder struct {
	buf bytes.Buffer
	enc *gojson.Encoder
}

var payloadEncoders = sync.Pool{New: func() any {
	p := &payloadEncoder{}
	p.enc = gojson.NewEncoder(&p.buf)
	p.enc.SetEscapeHTML(false)
	return p
}}

// maxPooledPayload keeps a rare huge payload's buffer out of the pool.
const maxPooledPayload = 64 << 10

// marshalPayload encodes v without HTML escaping; "{}" becomes "".
func marshalPayload(v any) string {
	p := payloadEncoders.Get().(*payloadEncoder)
	defer func() {
		if p.buf.Cap() <= maxPooledPayload {
			payloadEncoders.Put(p)
		}
	}()
	p.buf.Reset()
	if err := p.enc.Encode(v); err != nil {
		return ""
	}
	b := bytes.TrimSuffix(p.buf.Bytes(), []byte("\n"))
	if string(b) == "{}" {
		return ""
	}
	return string(b)
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

// truncateBytes is truncate for a byte slice.
func truncateBytes(b []byte, n int) []byte {
	if len(b) <= n {
		return b
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
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
