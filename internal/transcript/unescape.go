package transcript

import (
	"bytes"
	"unicode/utf8"
)

// String unescaping exactly as goccy/go-json's unescapeString does it, so
// strings the scanner accepts decode to the bytes goccy would produce.

var hexVal = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = int8(c - '0')
	}
	for c := 'a'; c <= 'f'; c++ {
		t[c] = int8(c - 'a' + 10)
		t[c-'a'+'A'] = int8(c - 'a' + 10)
	}
	return t
}()

var unescapeByte = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func hex4(b []byte) rune {
	return rune(hexVal[b[0]])<<12 | rune(hexVal[b[1]])<<8 | rune(hexVal[b[2]])<<4 | rune(hexVal[b[3]])
}

// unescapeStep decodes the escape at raw[0] == '\\' (validated by str) the
// way goccy's unescapeString does: a high surrogate pairs with a directly
// following low surrogate escape, any other surrogate becomes U+FFFD.
func unescapeStep(raw []byte) (r rune, n int) {
	if raw[1] != 'u' {
		return rune(unescapeByte[raw[1]]), 2
	}
	r = hex4(raw[2:6])
	if r >= 0xd800 && r < 0xdc00 && len(raw) >= 12 && raw[6] == '\\' && escapeLen(raw[6:12]) == 6 {
		if lo := hex4(raw[8:12]); lo >= 0xdc00 && lo < 0xe000 {
			return (r-0xd800)<<10 | (lo - 0xdc00) + 0x10000, 12
		}
	}
	return r, 6
}

// appendUnescaped appends the decoded string content raw to dst. With
// limit >= 0 it stops once at least limit bytes were appended; what it
// appended is then a prefix of the full decoding.
func appendUnescaped(dst, raw []byte, limit int) []byte {
	base := len(dst)
	for len(raw) > 0 {
		if limit >= 0 && len(dst)-base >= limit {
			return dst
		}
		k := bytes.IndexByte(raw, '\\')
		if k < 0 {
			k = len(raw)
		}
		if limit >= 0 && k > limit-(len(dst)-base) {
			k = limit - (len(dst) - base)
		}
		dst = append(dst, raw[:k]...)
		raw = raw[k:]
		if len(raw) > 0 && raw[0] == '\\' {
			r, n := unescapeStep(raw)
			if raw[1] == 'u' {
				dst = utf8.AppendRune(dst, r)
			} else {
				dst = append(dst, byte(r))
			}
			raw = raw[n:]
		}
	}
	return dst
}

// decodeStr returns the string a JSON string's content raw decodes to.
func decodeStr(raw []byte, esc bool) string {
	if !esc {
		return string(raw)
	}
	return string(appendUnescaped(make([]byte, 0, len(raw)), raw, -1))
}

// runeLen is the length utf8.AppendRune gives r: surrogate halves become
// U+FFFD.
func runeLen(r rune) int {
	if l := utf8.RuneLen(r); l > 0 {
		return l
	}
	return utf8.RuneLen(utf8.RuneError)
}
