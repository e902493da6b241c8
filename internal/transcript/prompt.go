package transcript

import (
	"strings"
	"unicode/utf8"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// maxOutputBytes caps tool outputs and error texts copied into payloads.
const maxOutputBytes = 4096

// joinText concatenates the text blocks of a message.
func joinText(blocks []Block) string {
	if len(blocks) == 1 {
		return blocks[0].text()
	}
	var sb strings.Builder
	for i := range blocks {
		if blocks[i].Type != "text" {
			continue
		}
		t := blocks[i].text()
		if t == "" {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(t)
	}
	return sb.String()
}

type promptPayload struct {
	Text  string `json:"text,omitempty"`
	Chars int    `json:"chars"`
}

// prompt emits a user_prompt fact for text typed by the human. Everything
// injected is skipped (transcript-format.md §3 "first real prompt"):
// sidechain and meta lines, compaction summaries, tool results, command /
// reminder markup starting with '<', caveats and interrupt notices.
func (c *lineCtx) prompt() {
	l := c.l
	if l.IsSidechain || l.IsMeta || l.IsCompactSummary || isJSONValue(l.ToolUseResult) || l.UUID == "" {
		return
	}
	text := joinText(c.blocks)
	trimmed := strings.TrimSpace(text)
	if trimmed == "" || strings.HasPrefix(trimmed, "<") ||
		strings.HasPrefix(trimmed, "Caveat:") || strings.HasPrefix(trimmed, "[Request interrupted") {
		return
	}
	f := c.fact(facts.EventUserPrompt, "prompt:"+l.UUID)
	p := promptPayload{Chars: utf8.RuneCountInString(text)}
	if c.e.opts.IncludeContent {
		p.Text = text
	}
	f.Payload = marshalPayload(p)
	c.emit(f)
}
