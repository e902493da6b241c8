package store

import "math/bits"

// jsonValid reports whether s is one valid JSON value, with the same answer
// as encoding/json.Valid (FuzzJSONValid compares them), including its
// nesting limit. It exists because every stored fact's payload is checked
// before it is embedded in payload_json, and encoding/json's byte-at-a-time
// scanner made that check the largest single cost of preparing a row (about
// 5 µs for a 2 KB tool result). This one skips string contents in a tight
// loop and does not allocate below 64 levels of nesting.
func jsonValid(s string) bool {
	var (
		small [64]byte
		stack = small[:0] // open containers: '{' or '['
		i     = skipSpace(s, 0)
	)
	for {
		// A value is expected at s[i].
		if i >= len(s) {
			return false
		}
		switch c := s[i]; {
		case c == '{' || c == '[':
			if len(stack) == maxJSONDepth {
				return false
			}
			stack = append(stack, c)
			i = skipSpace(s, i+1)
			if i < len(s) && s[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				stack = stack[:len(stack)-1]
				i++
				break
			}
			if c == '{' {
				if i = objectKey(s, i); i < 0 {
					return false
				}
			}
			continue
		case c == '"':
			if i = skipString(s, i); i < 0 {
				return false
			}
		case c == '-' || (c >= '0' && c <= '9'):
			if i = skipNumber(s, i); i < 0 {
				return false
			}
		case c == 't':
			if i = skipLiteral(s, i, "true"); i < 0 {
				return false
			}
		case c == 'f':
			if i = skipLiteral(s, i, "false"); i < 0 {
				return false
			}
		case c == 'n':
			if i = skipLiteral(s, i, "null"); i < 0 {
				return false
			}
		default:
			return false
		}
		// A value ended at s[i]: close containers, or find the next value.
		for {
			i = skipSpace(s, i)
			if len(stack) == 0 {
				return i == len(s)
			}
			if i >= len(s) {
				return false
			}
			open := stack[len(stack)-1]
			if s[i] == open+2 {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if s[i] != ',' {
				return false
			}
			i = skipSpace(s, i+1)
			if open == '{' {
				if i = objectKey(s, i); i < 0 {
					return false
				}
			}
			break
		}
	}
}

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

// objectKey skips `"key" :` and the space after it; -1 if malformed.
func objectKey(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		return -1
	}
	if i = skipString(s, i); i < 0 {
		return -1
	}
	i = skipSpace(s, i)
	if i >= len(s) || s[i] != ':' {
		return -1
	}
	return skipSpace(s, i+1)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipString skips the string starting at s[i] == '"'; -1 if malformed.
// Like encoding/json it accepts any byte >= 0x20, valid UTF-8 or not.
func skipString(s string, i int) int {
	for i++; i < len(s); i++ {
		i = skipPlain(s, i)
		if i >= len(s) {
			break
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c < 0x20:
			return -1
		case c == '\\':
			i++
			if i >= len(s) {
				return -1
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s) {
					return -1
				}
				for k := i + 1; k <= i+4; k++ {
					if !isHex(s[k]) {
						return -1
					}
				}
				i += 4
			default:
				return -1
			}
		}
	}
	return -1
}

// skipPlain skips string bytes that need no attention (not '"', '\\' or a
// control character) eight at a time.
func skipPlain(s string, i int) int { return plainRun(s, i, 0) }

// skipPlainASCII is skipPlain that also stops at non-ASCII bytes.
func skipPlainASCII(s string, i int) int { return plainRun(s, i, 0x8080808080808080) }

func plainRun(s string, i int, alsoStop uint64) int {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// Per byte: below 0x20, or equal to '"' or '\\' (x^c has a zero
		// byte). Borrows can flag bytes above a hit, never below one, so
		// the lowest flagged byte is the first hit.
		ctl := (w - 0x20*ones) &^ w
		q, b := w^('"'*ones), w^('\\'*ones)
		quote := (q - ones) &^ q
		bslash := (b - ones) &^ b
		if m := (ctl|quote|bslash)&highs | w&alsoStop; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	return i
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; -1 if
// malformed.
func skipNumber(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		return -1
	}
	if i < len(s) && s[i] == '.' {
		if i+1 >= len(s) || !isDigit(s[i+1]) {
			return -1
		}
		i = skipDigits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return -1
		}
		i = skipDigits(s, i)
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func skipLiteral(s string, i int, lit string) int {
	if len(s)-i < len(lit) || s[i:i+len(lit)] != lit {
		return -1
	}
	return i + len(lit)
}
