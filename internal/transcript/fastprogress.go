package transcript

import (
	"bytes"
	"encoding/json"
)

// Fast decoding of progress data; agent_progress lines carry copies of
// subagent lines, usage included.

var (
	progressDataKeys    = []string{"type", "agentId", "message", "hookEvent", "hookName", "command"}
	progressMessageKeys = []string{"type", "timestamp", "uuid", "requestId", "isSidechain", "message"}
)

// progressData reads the line's data and decodes it into d.data on the way,
// like decodeProgressData. Whether it is used depends on the line's type,
// which may come later; when the scanner cannot vouch for the decoding,
// decodeProgressData decodes the raw value if it is needed.
func (d *fastDecoder) progressData(s *scanner) json.RawMessage {
	s.ws()
	start := s.i
	sub := *s
	d.progress(&sub)
	if d.dataOK = !sub.fail; !d.dataOK {
		return s.skip()
	}
	s.i = sub.i
	return s.b[start:s.i]
}

func (d *fastDecoder) progress(s *scanner) {
	p := &d.data
	*p = progressData{}
	if !s.open('{') {
		return
	}
	for it := s.members(progressDataKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "type":
			bit = 1 << 0
			if s.peek() == '"' && bytes.HasPrefix(s.b[s.i:], []byte(`"agent_progress"`)) {
				d.agentMarker = true
			}
			p.Type = constStr(s)
		case "agentId":
			bit, p.AgentID = 1<<1, plainStr(s)
		case "message":
			bit, p.Message = 1<<2, d.progressMessage(s)
		case "hookEvent":
			bit, p.HookEvent = 1<<3, constStr(s)
		case "hookName":
			bit, p.HookName = 1<<4, d.hookStr(s)
		case "command":
			bit, p.Command = 1<<5, d.hookStr(s)
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
}

// maxHookStrs bounds the interned hook names and commands of one file.
const maxHookStrs = 256

// hookStr reads a hook name or command: a handful of values repeated on
// every hook_progress line of a file, interned so that they are allocated
// once.
func (d *fastDecoder) hookStr(s *scanner) string {
	raw, esc, ok := s.strField()
	switch {
	case !ok:
		return ""
	case esc:
		return decodeStr(raw, esc)
	}
	if v, ok := d.hookStrs[string(raw)]; ok {
		return v
	}
	v := string(raw)
	if d.hookStrs == nil || len(d.hookStrs) >= maxHookStrs {
		d.hookStrs = make(map[string]string)
	}
	d.hookStrs[v] = v
	return v
}

func (d *fastDecoder) progressMessage(s *scanner) *progressMessage {
	if s.null() || !s.open('{') {
		return nil
	}
	pm := &d.copyLine
	*pm = progressMessage{}
	for it := s.members(progressMessageKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "type":
			bit, pm.Type = 1<<0, constStr(s)
		case "timestamp":
			bit, pm.Timestamp = 1<<1, plainStr(s)
		case "uuid":
			bit, pm.UUID = 1<<2, plainStr(s)
		case "requestId":
			bit, pm.RequestID = 1<<3, ptrStr(s, &d.copyRequestID, nil)
		case "isSidechain":
			bit = 1 << 4
			if s.null() {
				pm.IsSidechain = nil
			} else {
				d.copyIsSidechain = s.boolField()
				pm.IsSidechain = &d.copyIsSidechain
			}
		case "message":
			bit, pm.Message = 1<<5, d.message(s, &d.copyMsg)
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
	return pm
}
