package transcript

import (
	"encoding/json"
	"strings"
)

// A tool_result line carries the tool's output twice, in the block content
// and in toolUseResult (stdout, file contents, original file of an edit),
// often tens of kilobytes. Facts need little of it: a 4 KB preview and the
// length, a few small fields, and the full text only for commits, PR URLs,
// agent ids and error classification. So both are read lazily: the fast
// scanner extracts the small fields and leaves big strings undecoded;
// whatever it cannot vouch for is decoded by the original goccy code.

// toolResultInfo is the structured toolUseResult, decoded leniently: its
// shape depends on the tool (transcript-format.md §5).
type toolResultInfo struct {
	Interrupted bool
	AgentID     string
	FilePath    string
	Type        string
	Content     json.RawMessage
	ExitCode    *int64 // BashOutput
	stdout      lazyStr
	patch       patchStats
	text        string // when toolUseResult is a string
	ok          bool   // decoded by the fast decoder
}

// patchStats summarizes structuredPatch: fileUpdate only counts lines.
type patchStats struct {
	present              bool // a non-null array, possibly empty
	hunks                int
	additions, deletions int64
}

func (p *patchStats) line(s string) {
	switch {
	case strings.HasPrefix(s, "+"):
		p.additions++
	case strings.HasPrefix(s, "-"):
		p.deletions++
	}
}

// lazyStr is a string that may still be in its escaped JSON form.
type lazyStr struct {
	s   string
	raw []byte
	esc bool
}

func (l lazyStr) empty() bool { return l.s == "" && len(l.raw) == 0 }

func (l lazyStr) String() string {
	if l.raw != nil {
		return decodeStr(l.raw, l.esc)
	}
	return l.s
}

// toolResultJSON is the goccy decoding target of decodeToolResultSlow.
type toolResultJSON struct {
	Stdout          string          `json:"stdout"`
	Interrupted     bool            `json:"interrupted"`
	AgentID         string          `json:"agentId"`
	FilePath        string          `json:"filePath"`
	Type            string          `json:"type"`
	Content         json.RawMessage `json:"content"`
	StructuredPatch []patchHunk     `json:"structuredPatch"`
	ExitCode        *int64          `json:"exitCode"`
	Status          string          `json:"status"`
}

type patchHunk struct {
	Lines []string `json:"lines"`
}

func decodeToolResult(raw json.RawMessage) toolResultInfo {
	raw = trimJSON(raw)
	if len(raw) > 0 && !hasNUL(raw) {
		s := scanner{b: raw}
		var r toolResultInfo
		switch raw[0] {
		case '"':
			text, esc := s.str()
			r.text = decodeStr(text, esc)
		case '{':
			toolResultObject(&s, &r)
		default:
			s.fail = true
		}
		if !s.fail && s.atEnd() {
			return r
		}
	}
	return decodeToolResultSlow(raw)
}

// decodeToolResultSlow is the reference: goccy, errors ignored (fields
// decoded before an error are kept).
func decodeToolResultSlow(raw json.RawMessage) toolResultInfo {
	var r toolResultInfo
	raw = trimJSON(raw)
	if len(raw) == 0 {
		return r
	}
	switch raw[0] {
	case '"':
		_ = unmarshal(raw, &r.text)
	case '{':
		var j toolResultJSON
		decodeLenient(raw, &j)
		r = toolResultInfo{Interrupted: j.Interrupted, AgentID: j.AgentID, FilePath: j.FilePath, Type: j.Type,
			Content: j.Content, ExitCode: j.ExitCode, stdout: lazyStr{s: j.Stdout}}
		r.patch.present = j.StructuredPatch != nil
		r.patch.hunks = len(j.StructuredPatch)
		for _, h := range j.StructuredPatch {
			for _, ln := range h.Lines {
				r.patch.line(ln)
			}
		}
	}
	return r
}

var toolResultKeys = []string{"stdout", "interrupted", "agentId", "filePath", "type", "content",
	"structuredPatch", "exitCode", "status"}

func toolResultObject(s *scanner, r *toolResultInfo) {
	if !s.open('{') {
		return
	}
	for it := s.members(toolResultKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "stdout":
			bit = 1 << 0
			if raw, esc, ok := s.strField(); ok {
				r.stdout = lazyStr{raw: raw, esc: esc}
			}
		case "interrupted":
			bit, r.Interrupted = 1<<1, s.boolField()
		case "agentId":
			bit, r.AgentID = 1<<2, plainStr(s)
		case "filePath":
			bit, r.FilePath = 1<<3, plainStr(s)
		case "type":
			bit, r.Type = 1<<4, constStr(s)
		case "content":
			bit, r.Content = 1<<5, s.skip()
		case "structuredPatch":
			bit = 1 << 6
			structuredPatch(s, &r.patch)
		case "exitCode":
			bit = 1 << 7
			if v, ok := s.intField(); ok {
				r.ExitCode = &v
			}
		case "status":
			bit = 1 << 8
			s.strField()
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
}

// structuredPatch counts the +/- lines of a []patchHunk value.
func structuredPatch(s *scanner, p *patchStats) {
	if s.null() || !s.open('[') {
		return
	}
	p.present = true
	for first := true; s.next(']', &first); {
		p.hunks++
		if s.null() || !s.open('{') {
			continue
		}
		seenLines := false
		for first := true; s.next('}', &first); {
			k := s.key()
			if string(k) != "lines" {
				if foldKnown(k, []string{"lines"}) {
					s.fail = true
				}
				s.skip()
				continue
			}
			if seenLines {
				s.fail = true
			}
			seenLines = true
			if s.null() || !s.open('[') {
				continue
			}
			for first := true; s.next(']', &first); {
				if raw, esc, ok := s.strField(); ok && len(raw) > 0 {
					p.line(firstChars(raw, esc))
				}
			}
			s.close()
		}
		s.close()
	}
	s.close()
}

// firstChars decodes just enough of a string to test its first character.
func firstChars(raw []byte, esc bool) string {
	if !esc || raw[0] != '\\' {
		return string(raw[:1])
	}
	return string(appendUnescaped(make([]byte, 0, 4), raw, 1))
}

// resultString is a JSON string as the scanner read it.
type resultString struct {
	raw []byte
	esc bool
	n   int // decoded length
	ok  bool
}

// resultContent is a tool_result's content, flattened on first use.
type resultContent struct {
	raw  json.RawMessage
	str  resultString
	s    string
	done bool
}

// newResultContent reuses the fast decoder's reading of a string content;
// other content (and goccy-decoded blocks) is scanned here once.
func newResultContent(b *Block) resultContent {
	r := resultContent{raw: b.Content, str: b.contentStr}
	if raw := trimJSON(b.Content); !r.str.ok && len(raw) > 0 && raw[0] == '"' && !hasNUL(raw) {
		s := scanner{b: raw}
		r.str.raw, r.str.esc = s.str()
		r.str.n, r.str.ok = s.n, !s.fail && s.atEnd()
	}
	return r
}

func (r *resultContent) text() string {
	if !r.done {
		if r.str.ok {
			r.s = decodeStr(r.str.raw, r.str.esc)
		} else {
			r.s = resultTextSlow(r.raw)
		}
		r.done = true
	}
	return r.s
}

// preview returns truncate(text, n) and len(text), decoding only about n
// bytes of string content (into *scratch, reused across calls).
func (r *resultContent) preview(n int, scratch *[]byte) (string, int) {
	if r.done || !r.str.ok {
		t := r.text()
		return truncate(t, n), len(t)
	}
	str := r.str.raw
	if !r.str.esc {
		return string(truncateBytes(str, n)), len(str)
	}
	// truncate looks at byte n, so n+1 decoded bytes decide it.
	*scratch = appendUnescaped((*scratch)[:0], str, n+1)
	return string(truncateBytes(*scratch, n)), r.str.n
}

// resultTextSlow is the reference decoding of resultText with goccy.
func resultTextSlow(raw json.RawMessage) string {
	raw = trimJSON(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		_ = unmarshal(raw, &s)
		return s
	case '[':
		var parts []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		decodeLenient(raw, &parts)
		var sb strings.Builder
		for _, p := range parts {
			if p.Type != "text" {
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte('\n')
			}
			sb.WriteString(p.Text)
		}
		return sb.String()
	}
	return ""
}
