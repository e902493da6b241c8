package transcript

import (
	"bytes"
	"encoding/json"
)

// fastDecoder decodes lines with the scanner into Extractor-owned structs,
// reused from line to line: no copy of the line, no reflection, and large
// strings (tool outputs, file contents, thinking) are crossed without being
// decoded. A line it cannot vouch for goes through decodeSlow (goccy), which
// stays the reference; TestFastMatchesSlow and FuzzFastMatchesSlow compare
// the two.
type fastDecoder struct {
	msg, copyMsg msgScratch // line message, agent_progress copy's message
	data         progressData
	copyLine     progressMessage
	blocks       []Block
	// toolUseResult and data, decoded during the line scan when tur.ok and
	// dataOK.
	tur    toolResultInfo
	dataOK bool
	// hasUsageMarker: the scan saw `"usage":{`, so usage() need not search
	// the line for it. agentMarker: the line holds "agent_progress".
	hasUsageMarker, agentMarker bool
	scratch                     []byte // tool output previews

	// Targets of the *string / *bool fields; valid until the next line.
	sessionID, version, requestID, copyRequestID string
	copyIsSidechain                              bool

	// Last values of fields that repeat on every line of a file, so they are
	// allocated once per change instead of once per line.
	cwd, gitBranch, sessionIDCache, versionCache, agentID, model string
	// parentUuid is usually the previous line's uuid.
	prevUUID, parentToolUseID string
	hookStrs                  map[string]string // hook names and commands (hookStr)
}

// reset forgets what the previous line's decoding left for the fact
// builders; Extractor.Line calls it before each line, whichever path
// decodes it.
func (d *fastDecoder) reset() {
	d.tur.ok, d.dataOK, d.hasUsageMarker, d.agentMarker = false, false, false, false
}

type fastStatus int

const (
	fastOK    fastStatus = iota
	fastBlank            // blank line: no facts, no error
	fastSlow             // decode with goccy
)

// lineKeys are the JSON keys of Line (Header's included), for foldKnown.
var lineKeys = []string{"type", "subtype", "uuid", "parentUuid", "isSidechain", "sessionId", "agentId",
	"cwd", "gitBranch", "version", "timestamp", "isMeta", "isApiErrorMessage", "isCompactSummary",
	"requestId", "parentToolUseID", "message", "toolUseResult", "data", "compactMetadata",
	"prNumber", "prUrl", "prRepository", "customTitle", "aiTitle", "summary", "toolUseID"}

// decode fills l (zeroed by the caller) and returns the line's content
// blocks and, for progress lines, its data.
func (d *fastDecoder) decode(b []byte, l *Line) ([]Block, *progressData, fastStatus) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil, nil, fastBlank
	}
	if b[0] != '{' || hasNUL(b) {
		return nil, nil, fastSlow
	}
	s := scanner{b: b}
	d.blocks = d.blocks[:0]
	d.line(&s, l)
	if s.fail || !s.atEnd() {
		return nil, nil, fastSlow
	}
	var blocks []Block
	if l.Message != nil {
		blocks = d.blocks
	}
	var data *progressData
	if l.Type == "progress" && isJSONValue(l.Data) {
		if data = &d.data; !d.dataOK {
			data = decodeProgressData(l.Data)
		}
	}
	d.prevUUID = l.UUID
	if l.Type == "progress" && (l.Message != nil || (data != nil && data.Type == "agent_progress")) &&
		!d.agentMarker && bytes.Contains(b, markProgress) && !bytes.Contains(b, markAgentProgress) {
		// parseLineInto decodes only the Header of such lines (and, for
		// hook_progress ones, toolUseID and data); whatever else this line
		// carries must not count.
		keep := Line{Header: l.Header}
		if bytes.Contains(b, markHookProgress) {
			keep.ToolUseID, keep.Data = l.ToolUseID, l.Data
		} else {
			data = nil
		}
		*l = keep
		return nil, data, fastOK
	}
	return blocks, data, fastOK
}

func (d *fastDecoder) line(s *scanner, l *Line) {
	if !s.open('{') {
		return
	}
	for it := s.members(lineKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "type":
			bit, l.Type = 1<<0, constStr(s)
		case "subtype":
			bit, l.Subtype = 1<<1, constStr(s)
		case "uuid":
			bit, l.UUID = 1<<2, plainStr(s)
		case "parentUuid":
			bit, l.ParentUUID = 1<<3, internStr(s, &d.prevUUID)
		case "isSidechain":
			bit, l.IsSidechain = 1<<4, s.boolField()
		case "sessionId":
			bit, l.SessionID = 1<<5, ptrStr(s, &d.sessionID, &d.sessionIDCache)
		case "agentId":
			bit, l.AgentID = 1<<6, internStr(s, &d.agentID)
		case "cwd":
			bit, l.Cwd = 1<<7, internStr(s, &d.cwd)
		case "gitBranch":
			bit, l.GitBranch = 1<<8, internStr(s, &d.gitBranch)
		case "version":
			bit, l.Version = 1<<9, ptrStr(s, &d.version, &d.versionCache)
		case "timestamp":
			bit, l.Timestamp = 1<<10, plainStr(s)
		case "isMeta":
			bit, l.IsMeta = 1<<11, s.boolField()
		case "isApiErrorMessage":
			bit, l.IsAPIErrorMessage = 1<<12, s.boolField()
		case "isCompactSummary":
			bit, l.IsCompactSummary = 1<<13, s.boolField()
		case "requestId":
			bit, l.RequestID = 1<<14, ptrStr(s, &d.requestID, nil)
		case "parentToolUseID":
			bit, l.ParentToolUseID = 1<<15, internStr(s, &d.parentToolUseID)
		case "message":
			bit, l.Message = 1<<16, d.message(s, &d.msg)
		case "toolUseResult":
			bit, l.ToolUseResult = 1<<17, d.toolUseResult(s)
		case "data":
			bit, l.Data = 1<<18, d.progressData(s)
		case "compactMetadata":
			bit, l.CompactMetadata = 1<<19, s.skip()
		case "prNumber":
			bit, l.PRNumber = 1<<20, s.skip()
		case "prUrl":
			bit, l.PRURL = 1<<21, plainStr(s)
		case "prRepository":
			bit, l.PRRepository = 1<<22, plainStr(s)
		case "customTitle":
			bit, l.CustomTitle = 1<<23, plainStr(s)
		case "aiTitle":
			bit, l.AITitle = 1<<24, plainStr(s)
		case "summary":
			bit, l.Summary = 1<<25, plainStr(s)
		case "toolUseID":
			bit, l.ToolUseID = 1<<26, s.skip()
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
}

// toolUseResult reads the line's toolUseResult and decodes it into d.tur on
// the way; when the scanner cannot vouch for the decoding (toolUseResult is
// decoded leniently, so that does not make the line bad), it is skipped and
// decodeToolResult decodes it later.
func (d *fastDecoder) toolUseResult(s *scanner) json.RawMessage {
	c := s.peek()
	start := s.i
	d.tur = toolResultInfo{}
	sub := *s
	switch c {
	case '{':
		toolResultObject(&sub, &d.tur)
	case '"':
		text, esc := sub.str()
		d.tur.text = decodeStr(text, esc)
	default:
		sub.fail = true
	}
	if sub.fail {
		d.tur = toolResultInfo{}
		return s.skip()
	}
	s.i = sub.i
	d.tur.ok = true
	return s.b[start:s.i]
}
