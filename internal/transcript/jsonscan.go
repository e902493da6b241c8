package transcript

import "bytes"

// scanner is a strict, allocation-free JSON reader over one line, the base
// of the fast decode path. It never copies: strings and raw values are
// sub-slices of the line. Whatever it cannot vouch for (invalid JSON, a value
// of an unexpected type, a duplicate, escaped or case-folded key, deep
// nesting) sets fail, and the caller decodes with goccy/go-json instead, so
// goccy's results and error messages stay the reference for every input the
// scanner rejects. On input it accepts, the fast decoders produce exactly
// what goccy would:
//   - strict JSON is a subset of what goccy's lax skipValue accepts;
//   - string escapes are validated as goccy validates them and decoded by
//     its algorithm (unescape below); other bytes are copied as they are;
//   - keys match goccy's struct fields exactly (goccy also matches keys
//     case-insensitively; such keys fail instead).
//
// The input must not hold a NUL byte, which goccy takes for the end of its
// input: callers check that once per value (hasNUL).
type scanner struct {
	b     []byte
	i     int
	n     int // decoded length of the last string read
	depth int
	fail  bool
}

// hasNUL reports whether b holds a NUL byte; the scanner must not see one.
func hasNUL(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

// maxScanDepth bounds recursion; goccy allows 10000, deeper lines fall back.
const maxScanDepth = 256

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-whitespace byte, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// atEnd reports whether only whitespace is left.
func (s *scanner) atEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string at s.i and returns its undecoded content and whether
// it has escapes; s.n is set to its decoded length. It finds the closing
// quote with two vectorized searches per escape, so long tool outputs are
// crossed at memory speed.
func (s *scanner) str() (raw []byte, esc bool) {
	if s.fail || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.fail = true
		return nil, false
	}
	start := s.i + 1
	j, q, n := start, -1, 0
	for {
		if q < j {
			q = bytes.IndexByte(s.b[j:], '"')
			if q < 0 {
				s.fail = true
				return nil, false
			}
			q += j
		}
		k := bytes.IndexByte(s.b[j:q], '\\')
		if k < 0 {
			s.i, s.n = q+1, n+q-j
			return s.b[start:q], esc
		}
		k += j
		m := escapeLen(s.b[k:])
		if m == 0 {
			s.fail = true
			return nil, false
		}
		esc = true
		n += k - j
		if m == 2 {
			n++
		} else {
			// A \u escape holds no quote, so q > k+5 and a surrogate pair,
			// which never holds one either, pairs within s.b[k:q] as it
			// pairs within the whole string.
			var r rune
			r, m = unescapeStep(s.b[k:q])
			n += runeLen(r)
		}
		j = k + m
	}
}

// escapeLen is the length of the escape sequence at b[0] == '\\', 0 when
// goccy would reject it.
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return 0
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(b) < 6 {
			return 0
		}
		for _, c := range b[2:6] {
			if hexVal[c] < 0 {
				return 0
			}
		}
		return 6
	}
	return 0
}

// next advances over the separator before the next member or element of an
// object or array opened with '{' or '['. It returns false at the closing
// byte or on failure. first must start true for each container.
func (s *scanner) next(closing byte, first *bool) bool {
	if s.fail {
		return false
	}
	c := s.peek()
	if *first {
		*first = false
		if c == closing {
			s.i++
			return false
		}
		return c != 0 || s.setFail()
	}
	switch c {
	case ',':
		s.i++
		return true
	case closing:
		s.i++
		return false
	}
	return s.setFail()
}

func (s *scanner) setFail() bool {
	s.fail = true
	return false
}

// open consumes '{' or '[' and counts depth; close undoes the count.
func (s *scanner) open(c byte) bool {
	if s.fail || s.peek() != c {
		s.fail = true
		return false
	}
	s.i++
	s.depth++
	if s.depth > maxScanDepth {
		s.fail = true
		return false
	}
	return true
}

func (s *scanner) close() { s.depth-- }

// key reads an object key and the colon after it. Escaped keys fail: goccy
// matches them after unescaping.
func (s *scanner) key() []byte {
	s.ws()
	k, esc := s.str()
	if esc {
		s.fail = true
	}
	if s.peek() != ':' {
		s.fail = true
		return nil
	}
	s.i++
	return k
}

// skip reads any value and returns its raw bytes.
func (s *scanner) skip() []byte {
	if s.fail {
		return nil
	}
	c := s.peek()
	start := s.i
	switch c {
	case '"':
		s.str()
	case '{':
		s.open('{')
		for first := true; s.next('}', &first); {
			s.key()
			s.skip()
		}
		s.close()
	case '[':
		s.open('[')
		for first := true; s.next(']', &first); {
			s.skip()
		}
		s.close()
	case 't':
		s.literal("true")
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.number()
	}
	if s.fail {
		return nil
	}
	return s.b[start:s.i]
}

func (s *scanner) literal(lit string) {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		s.fail = true
		return
	}
	s.i += len(lit)
}

// null consumes a null literal if one is next.
func (s *scanner) null() bool {
	if s.peek() == 'n' {
		s.literal("null")
		return true
	}
	return false
}

// number validates the JSON number grammar.
func (s *scanner) number() {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		s.fail = true
		return
	}
	if i < len(b) && b[i] == '.' {
		if j := digits(b, i+1); j > i+1 {
			i = j
		} else {
			s.fail = true
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if j := digits(b, i); j > i {
			i = j
		} else {
			s.fail = true
			return
		}
	}
	s.i = i
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// strField reads a value for a string field: a string or null (which leaves
// the field as it is, like goccy). Anything else fails.
func (s *scanner) strField() (raw []byte, esc, ok bool) {
	switch s.peek() {
	case '"':
		raw, esc = s.str()
		return raw, esc, !s.fail
	case 'n':
		s.literal("null")
	default:
		s.fail = true
	}
	return nil, false, false
}

// boolField reads true, false or null (false).
func (s *scanner) boolField() bool {
	switch s.peek() {
	case 't':
		s.literal("true")
		return true
	case 'f':
		s.literal("false")
	case 'n':
		s.literal("null")
	default:
		s.fail = true
	}
	return false
}

// intField reads an integer or null. Only plain integers that fit without
// question are accepted; fractions, exponents, "-0" and 19+ digit numbers
// fail, to be judged by goccy.
func (s *scanner) intField() (v int64, ok bool) {
	if s.null() {
		return 0, false
	}
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	start := i
	if i < len(b) && b[i] == '0' {
		i++
	} else {
		i = digits(b, i)
	}
	n := i - start
	if n == 0 || n > 18 || (neg && b[start] == '0') ||
		(i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E' || (b[i] >= '0' && b[i] <= '9'))) {
		s.fail = true
		return 0, false
	}
	for _, c := range b[start:i] {
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	s.i = i
	return v, true
}

// foldKnown reports whether key equals one of names ignoring ASCII case;
// callers have already matched the exact names, so a hit is a key goccy
// would match case-insensitively, which the fast path leaves to goccy.
func foldKnown(key []byte, names []string) bool {
	for _, n := range names {
		if len(n) == len(key) && asciiEqualFold(key, n) {
			return true
		}
	}
	return false
}

func asciiEqualFold(a []byte, b string) bool {
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// members walks the members of an object whose '{' was just consumed. It
// holds the bookkeeping every object decoder shares: the separator state,
// the current key, and the keys already seen, because goccy rejects what
// the fast path cannot reproduce (a repeated key, or an unknown key that
// differs from a known one only in case, which goccy would match).
//
//	for it := s.members(keys); it.next(); {
//		var bit uint32
//		switch string(it.key) {
//		case "a":
//			bit, x.A = 1<<0, plainStr(s)
//		default:
//			it.unknown()
//		}
//		it.mark(bit)
//	}
//	s.close()
type members struct {
	s     *scanner
	known []string // every key the decoder reads, for the case check
	key   []byte   // the current member's key
	first bool
	seen  uint32
}

func (s *scanner) members(known []string) members {
	return members{s: s, known: known, first: true}
}

// next moves to the next member's value; false at the end or on failure.
func (m *members) next() bool {
	if !m.s.next('}', &m.first) {
		return false
	}
	m.key = m.s.key()
	return !m.s.fail
}

// mark records that the member with bit was decoded; a repeat fails.
func (m *members) mark(bit uint32) {
	if m.seen&bit != 0 {
		m.s.fail = true
	}
	m.seen |= bit
}

// unknown skips the value of a key the decoder does not read.
func (m *members) unknown() {
	if foldKnown(m.key, m.known) {
		m.s.fail = true
	}
	m.s.skip()
}
