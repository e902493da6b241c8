package transcript

import "encoding/json"

// Fast decoding of message objects: the line's own and agent_progress copies.

// msgScratch backs a decoded Message and its pointer fields.
type msgScratch struct {
	msg              Message
	usage            Usage
	cacheCreation    CacheCreation
	id, model, speed string
	input, output    int64
}

var messageKeys = []string{"id", "model", "role", "content", "usage", "stop_reason"}

// message decodes a *Message field into m.
func (d *fastDecoder) message(s *scanner, m *msgScratch) *Message {
	if s.null() {
		return nil
	}
	if !s.open('{') {
		return nil
	}
	msg := &m.msg
	*msg = Message{}
	for it := s.members(messageKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "id":
			bit, msg.ID = 1<<0, ptrStr(s, &m.id, nil)
		case "model":
			bit, msg.Model = 1<<1, ptrStr(s, &m.model, &d.model)
		case "role":
			bit, msg.Role = 1<<2, constStr(s)
		case "content":
			bit = 1 << 3
			if m == &d.msg {
				msg.Content = d.content(s)
			} else {
				msg.Content = s.skip()
			}
		case "usage":
			bit = 1 << 4
			if s.i >= 2 && string(s.b[s.i-2:s.i]) == `":` && s.i < len(s.b) && s.b[s.i] == '{' {
				d.hasUsageMarker = true
			}
			msg.Usage = usage(s, m)
		case "stop_reason":
			bit, msg.StopReason = 1<<5, constStr(s)
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
	return msg
}

var usageKeys = []string{"input_tokens", "output_tokens", "cache_creation_input_tokens",
	"cache_read_input_tokens", "cache_creation", "speed"}

func usage(s *scanner, m *msgScratch) *Usage {
	if s.null() || !s.open('{') {
		return nil
	}
	u := &m.usage
	*u = Usage{}
	for it := s.members(usageKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "input_tokens":
			bit = 1 << 0
			if v, ok := s.intField(); ok {
				m.input, u.InputTokens = v, &m.input
			}
		case "output_tokens":
			bit = 1 << 1
			if v, ok := s.intField(); ok {
				m.output, u.OutputTokens = v, &m.output
			}
		case "cache_creation_input_tokens":
			bit = 1 << 2
			u.CacheCreationInputTokens, _ = s.intField()
		case "cache_read_input_tokens":
			bit = 1 << 3
			u.CacheReadInputTokens, _ = s.intField()
		case "cache_creation":
			bit = 1 << 4
			u.CacheCreation = cacheCreation(s, &m.cacheCreation)
		case "speed":
			bit, u.Speed = 1<<5, ptrStr(s, &m.speed, nil)
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
	return u
}

var cacheCreationKeys = []string{"ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens"}

func cacheCreation(s *scanner, cc *CacheCreation) *CacheCreation {
	if s.null() || !s.open('{') {
		return nil
	}
	*cc = CacheCreation{}
	for it := s.members(cacheCreationKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "ephemeral_5m_input_tokens":
			bit = 1 << 0
			cc.Ephemeral5m, _ = s.intField()
		case "ephemeral_1h_input_tokens":
			bit = 1 << 1
			cc.Ephemeral1h, _ = s.intField()
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
	return cc
}

// content decodes the line's message content like decodeContent, into
// d.blocks, and returns its raw bytes.
func (d *fastDecoder) content(s *scanner) json.RawMessage {
	s.ws()
	start := s.i
	switch s.peek() {
	case 'n':
		s.literal("null")
	case '"':
		text, esc := s.str()
		d.blocks = append(d.blocks, Block{Type: "text", textRaw: text, textEsc: esc})
	case '[':
		s.open('[')
		for first := true; s.next(']', &first); {
			d.blocks = append(d.blocks, Block{})
			block(s, &d.blocks[len(d.blocks)-1])
		}
		s.close()
	default:
		s.fail = true // decodeContent: "content is neither a string nor an array"
	}
	if s.fail {
		return nil
	}
	return s.b[start:s.i]
}

var blockKeys = []string{"type", "text", "id", "name", "input", "tool_use_id", "content", "is_error"}

// block decodes one content block; text stays escaped until joinText needs
// it (assistant text and thinking are only read for API errors).
func block(s *scanner, b *Block) {
	if s.null() || !s.open('{') {
		return
	}
	for it := s.members(blockKeys); it.next(); {
		var bit uint32
		switch string(it.key) {
		case "type":
			bit, b.Type = 1<<0, constStr(s)
		case "text":
			bit = 1 << 1
			if raw, esc, ok := s.strField(); ok {
				b.textRaw, b.textEsc = raw, esc
			}
		case "id":
			bit, b.ID = 1<<2, plainStr(s)
		case "name":
			bit, b.Name = 1<<3, constStr(s)
		case "input":
			bit, b.Input = 1<<4, s.skip()
		case "tool_use_id":
			bit, b.ToolUseID = 1<<5, plainStr(s)
		case "content":
			bit = 1 << 6
			if s.peek() == '"' {
				start := s.i
				b.contentStr.raw, b.contentStr.esc = s.str()
				b.contentStr.n, b.contentStr.ok = s.n, !s.fail
				b.Content = s.b[start:s.i]
			} else {
				b.Content = s.skip()
			}
		case "is_error":
			bit, b.IsError = 1<<7, s.boolField()
		default:
			it.unknown()
		}
		it.mark(bit)
	}
	s.close()
}
