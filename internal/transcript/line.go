package transcript

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadLine marks a line that is not a JSON object or whose known fields
// have the wrong JSON types. Callers count such lines and skip them; the
// lines around a bad one are unaffected.
var ErrBadLine = errors.New("bad transcript line")

func badLine(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadLine, fmt.Sprintf(format, args...))
}

// Header holds the scalar fields shared by conversation lines. Presence
// matters for the ccusage validity rules, hence the pointers.
type Header struct {
	Type        string  `json:"type"`
	Subtype     string  `json:"subtype"`
	UUID        string  `json:"uuid"`
	ParentUUID  string  `json:"parentUuid"`
	IsSidechain bool    `json:"isSidechain"`
	SessionID   *string `json:"sessionId"`
	AgentID     string  `json:"agentId"`
	Cwd         string  `json:"cwd"`
	GitBranch   string  `json:"gitBranch"`
	Version     *string `json:"version"`
	Timestamp   string  `json:"timestamp"`
}

// Line is one decoded transcript line, holding only what the extractor uses.
// Polymorphic payloads (content, toolUseResult, progress data, compaction
// metadata) stay raw and are decoded on demand.
type Line struct {
	Header
	IsMeta            bool            `json:"isMeta"`
	IsAPIErrorMessage bool            `json:"isApiErrorMessage"`
	IsCompactSummary  bool            `json:"isCompactSummary"`
	RequestID         *string         `json:"requestId"`
	ParentToolUseID   string          `json:"parentToolUseID"`
	Message           *Message        `json:"message"`
	ToolUseResult     json.RawMessage `json:"toolUseResult"`
	Data              json.RawMessage `json:"data"`
	CompactMetadata   json.RawMessage `json:"compactMetadata"`

	// pr-link lines.
	PRNumber     json.RawMessage `json:"prNumber"`
	PRURL        string          `json:"prUrl"`
	PRRepository string          `json:"prRepository"`

	// Titles (custom-title, ai-title, summary lines).
	CustomTitle string `json:"customTitle"`
	AITitle     string `json:"aiTitle"`
	Summary     string `json:"summary"`

	// ToolUseID is read from hook_progress lines only; raw so that no type
	// makes a line bad (rawString decodes it).
	ToolUseID json.RawMessage `json:"toolUseID"`
}

// Message is the Anthropic message object of user/assistant lines.
type Message struct {
	ID         *string         `json:"id"`
	Model      *string         `json:"model"`
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	Usage      *Usage          `json:"usage"`
	StopReason string          `json:"stop_reason"`
}

// Usage is message.usage. Input and output are required by ccusage, the
// cache counts default to 0.
type Usage struct {
	InputTokens              *int64         `json:"input_tokens"`
	OutputTokens             *int64         `json:"output_tokens"`
	CacheCreationInputTokens int64          `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64          `json:"cache_read_input_tokens"`
	CacheCreation            *CacheCreation `json:"cache_creation"`
	Speed                    *string        `json:"speed"`
}

// CacheCreation is the per-TTL split of cache writes.
type CacheCreation struct {
	Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
}

// Block is one content block of a message.
type Block struct {
	Type string `json:"type"`
	Text string `json:"text"`
	// tool_use
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
	// tool_result
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`

	// The fast decoder leaves Text undecoded here; text() decodes it.
	textRaw []byte
	textEsc bool
	// A string Content as the fast decoder read it, so it is not scanned
	// again (see resultContent).
	contentStr resultString
}

// text returns the block's text, decoding it if the fast path left it raw.
func (b *Block) text() string {
	if b.textRaw != nil {
		return decodeStr(b.textRaw, b.textEsc)
	}
	return b.Text
}

// progressData is the `data` object of progress lines.
type progressData struct {
	Type    string           `json:"type"`
	AgentID string           `json:"agentId"`
	Message *progressMessage `json:"message"`
	// hook_progress
	HookEvent string `json:"hookEvent"`
	HookName  string `json:"hookName"`
	Command   string `json:"command"`
}

// progressMessage is data.message of agent_progress lines: a copy of one
// subagent transcript line.
type progressMessage struct {
	Type        string   `json:"type"`
	Timestamp   string   `json:"timestamp"`
	UUID        string   `json:"uuid"`
	RequestID   *string  `json:"requestId"`
	IsSidechain *bool    `json:"isSidechain"`
	Message     *Message `json:"message"`
}

var (
	markProgress      = []byte(`"type":"progress"`)
	markAgentProgress = []byte(`"agent_progress"`)
	markHookProgress  = []byte(`"hook_progress"`)
)

// cheapProgress is what the cheap path decodes of a hook_progress line.
type cheapProgress struct {
	Header
	ToolUseID json.RawMessage `json:"toolUseID"`
	Data      json.RawMessage `json:"data"`
}

// ParseLine decodes one JSONL line. Blank lines return (nil, nil). Lines that
// are not a JSON object, or whose known fields have the wrong types, return
// an error wrapping ErrBadLine.
func ParseLine(b []byte) (*Line, error) {
	l := new(Line)
	ok, err := parseLineInto(b, l)
	if err != nil || !ok {
		return nil, err
	}
	return l, nil
}

// decodeSlow is the reference decoding of a line with goccy/go-json, used
// when the fast decoder cannot vouch for a line. It reports false for blank
// lines.
func decodeSlow(b []byte, l *Line) (blocks []Block, data *progressData, ok bool, err error) {
	if ok, err = parseLineInto(b, l); err != nil || !ok {
		return nil, nil, ok, err
	}
	if l.Message != nil {
		if blocks, err = l.Message.Blocks(); err != nil {
			return nil, nil, false, err
		}
	}
	if l.Type == "progress" && isJSONValue(l.Data) {
		data = decodeProgressData(l.Data)
	}
	return blocks, data, true, nil
}

// parseLineInto decodes b into l (which must be zero). It reports false for
// blank lines.
//
// Cheap path: progress lines other than agent_progress can only tell us
// their timestamp and context, plus, for hook_progress (~75 % of them in
// 2.1.x), the hook and its toolUseID; so only the Header (and those two raw
// fields) are decoded and goccy skips the payload without allocating.
func parseLineInto(b []byte, l *Line) (bool, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return false, nil
	}
	if b[0] != '{' {
		return false, badLine("not a JSON object")
	}
	if bytes.Contains(b, markProgress) && !bytes.Contains(b, markAgentProgress) {
		if bytes.Contains(b, markHookProgress) {
			var cp cheapProgress
			if err := unmarshal(b, &cp); err != nil {
				return false, badLine("%v", err)
			}
			l.Header, l.ToolUseID, l.Data = cp.Header, cp.ToolUseID, cp.Data
		} else if err := unmarshal(b, &l.Header); err != nil {
			return false, badLine("%v", err)
		}
		if l.Type == "progress" {
			return true, nil
		}
		*l = Line{}
		// The marker matched something else (e.g. a tool input); decode fully.
	}
	if err := unmarshal(b, l); err != nil {
		return false, badLine("%v", err)
	}
	return true, nil
}

// Blocks decodes message content: a plain string becomes one text block.
func (m *Message) Blocks() ([]Block, error) {
	if m == nil {
		return nil, nil
	}
	return decodeContent(m.Content)
}

func decodeContent(raw json.RawMessage) ([]Block, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	switch raw[0] {
	case '"':
		var s string
		if err := unmarshal(raw, &s); err != nil {
			return nil, badLine("content: %v", err)
		}
		return []Block{{Type: "text", Text: s}}, nil
	case '[':
		var blocks []Block
		if err := unmarshal(raw, &blocks); err != nil {
			return nil, badLine("content: %v", err)
		}
		return blocks, nil
	default:
		return nil, badLine("content is neither a string nor an array")
	}
}

// isJSONValue reports whether raw holds a value other than null.
func isJSONValue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && !bytes.Equal(raw, []byte("null"))
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
