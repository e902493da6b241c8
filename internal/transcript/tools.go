package transcript

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// maxToolCalls bounds the tool_use map of one file. Results normally follow
// their tool_use within seconds; a session with more pending calls than this
// only loses durations and tool names on the oldest ones.
const maxToolCalls = 4096

// toolCall is what a tool_result needs to know about its tool_use.
type toolCall struct {
	name         string
	time         time.Time
	subagentType string
	isCommit     bool // Bash running `git commit`
	isPRCreate   bool // Bash running `gh pr create`
	inputHash    string
	commandClass string // Bash: ClassifyCommand
}

// toolCalls is a FIFO-bounded map of tool_use id -> call. The ring grows
// up to max as calls arrive: most files have far fewer than maxToolCalls
// calls, and a backfill creates an Extractor per file.
type toolCalls struct {
	m    map[string]toolCall
	ring []string
	max  int
	next int
}

func newToolCalls(n int) *toolCalls {
	return &toolCalls{m: make(map[string]toolCall), max: n}
}

func (t *toolCalls) put(id string, c toolCall) {
	if _, ok := t.m[id]; !ok {
		if len(t.ring) < t.max {
			t.ring = append(t.ring, id)
		} else {
			delete(t.m, t.ring[t.next])
			t.ring[t.next] = id
			t.next = (t.next + 1) % t.max
		}
	}
	t.m[id] = c
}

func (t *toolCalls) get(id string) (toolCall, bool) {
	c, ok := t.m[id]
	return c, ok
}

// toolInput holds the tool_use input fields the extractor looks at.
type toolInput struct {
	Command         string          `json:"command"`           // Bash
	Timeout         json.RawMessage `json:"timeout"`           // Bash (input hash); raw: any type decodes
	RunInBackground json.RawMessage `json:"run_in_background"` // Bash (input hash)
	Skill           string          `json:"skill"`             // Skill
	SubagentType    string          `json:"subagent_type"`     // Task / Agent
	Prompt          string          `json:"prompt"`            // Task / Agent
}

var (
	gitCommitRE  = regexp.MustCompile(`\bgit(?:\s+-[Cc]\s+\S+)*\s+commit\b`)
	ghPRCreateRE = regexp.MustCompile(`\bgh\s+pr\s+create\b`)
)

type toolUsePayload struct {
	Input json.RawMessage `json:"input,omitempty"`
}

func (c *lineCtx) toolUse(b *Block) {
	if b.ID == "" {
		return
	}
	var in toolInput
	switch b.Name {
	case "Bash", "Skill", "Task", "Agent":
		decodeLenient(b.Input, &in)
	}
	call := toolCall{name: b.Name, time: c.ts, subagentType: in.SubagentType}
	if b.Name == "Bash" {
		call.inputHash = c.e.hasher.hash(b.Name, b.Input, &in)
	} else {
		call.inputHash = c.e.hasher.hash(b.Name, b.Input, nil)
	}
	if b.Name == "Bash" {
		call.isCommit = strings.Contains(in.Command, "commit") && gitCommitRE.MatchString(in.Command)
		call.isPRCreate = strings.Contains(in.Command, "create") && ghPRCreateRE.MatchString(in.Command)
		call.commandClass = ClassifyCommand(in.Command)
	}
	c.e.tools.put(b.ID, call)
	if b.Name == "Task" || b.Name == "Agent" {
		c.e.rememberTaskPrompt(in.Prompt, b.ID, str(c.l.Version))
	}

	f := c.fact(facts.EventToolUse, "tooluse:"+b.ID)
	f.ToolName = b.Name
	f.ToolUseID = b.ID
	f.InputHash, f.CommandClass = call.inputHash, call.commandClass
	if c.e.opts.IncludeContent && isJSONValue(b.Input) {
		f.Payload = marshalPayload(toolUsePayload{Input: b.Input})
	}
	c.emit(f)

	if b.Name == "Skill" {
		s := c.fact(facts.EventSkillActivated, "skill:"+b.ID)
		s.ToolName = b.Name
		s.ToolUseID = b.ID
		s.SkillName = in.Skill
		c.emit(s)
	}
}

type toolResultPayload struct {
	Output      string `json:"output,omitempty"`
	Truncated   bool   `json:"truncated,omitempty"`
	OutputBytes int    `json:"outputBytes,omitempty"`
	Interrupted bool   `json:"interrupted,omitempty"`
}

// toolResult emits the facts of one tool_result block. The line's
// toolUseResult is only attributed to the block when it is the line's only
// tool_result.
func (c *lineCtx) toolResult(b *Block, results int) {
	id := b.ToolUseID
	if id == "" {
		return
	}
	call, known := c.e.tools.get(id)
	var tur toolResultInfo
	if results == 1 {
		if tur = c.e.fast.tur; !tur.ok {
			tur = decodeToolResult(c.l.ToolUseResult)
		}
	}
	text := newResultContent(b)

	f := c.fact(facts.EventToolResult, "toolres:"+id)
	f.ToolUseID = id
	f.ToolName = call.name
	// Repeated from the tool_use so a result alone tells which input and
	// which kind of command passed or failed.
	f.InputHash, f.CommandClass = call.inputHash, call.commandClass
	f.IsError = b.IsError
	f.Status = "ok"
	if b.IsError {
		f.Status = "error"
	}
	f.ExitCode = exitCode(&text, tur, b.IsError)
	if b.IsError || tur.Interrupted {
		f.FailureClass = classifyFailure(text.text(), tur, f.ExitCode)
	}
	if known && !call.time.IsZero() && !c.ts.IsZero() && !c.ts.Before(call.time) {
		f.DurationMs = c.ts.Sub(call.time).Milliseconds()
	}
	p := toolResultPayload{Interrupted: tur.Interrupted}
	if c.e.opts.IncludeContent {
		var n int
		p.Output, n = text.preview(maxOutputBytes, &c.e.fast.scratch)
		if len(p.Output) < n {
			p.Truncated, p.OutputBytes = true, n
		}
	}
	f.Payload = marshalPayload(p)
	c.emit(f)

	if b.IsError {
		return
	}
	if call.isCommit || call.isPRCreate {
		out := tur.stdout.String()
		if tur.stdout.empty() {
			out = text.text()
		}
		if call.isCommit {
			c.commits(out, id)
		}
		if call.isPRCreate {
			c.createdPR(out, id)
		}
	}
	if call.name == "Edit" || call.name == "MultiEdit" || call.name == "Write" || (!known && tur.patch.present) {
		c.fileUpdate(id, call.name, tur)
	}
	if !known || call.name == "Task" || call.name == "Agent" {
		c.resultLink(id, call, tur, &text)
	}
}

var exitCodeRE = regexp.MustCompile(`(?m)^(?:Error: )?Exit code (-?\d+)\b`)

// exitCode is known from Bash's "Exit code N" error text or BashOutput's
// exitCode; a successful Bash result does not state it.
func exitCode(text *resultContent, tur toolResultInfo, isError bool) *int64 {
	if tur.ExitCode != nil {
		v := *tur.ExitCode
		return &v
	}
	if !isError {
		return nil
	}
	for _, s := range []string{tur.text, text.text()} {
		if !strings.Contains(s, "Exit code ") {
			continue
		}
		if m := exitCodeRE.FindStringSubmatch(s); m != nil {
			if v, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				return &v
			}
		}
	}
	return nil
}

// Failure classes of tool results.
const (
	FailureExitCode     = "exit_code"
	FailureUserRejected = "user_rejected"
	FailureInterrupted  = "interrupted"
	FailureValidation   = "validation"
	FailureNotFound     = "not_found"
	FailureNotRead      = "not_read"
	FailureSibling      = "sibling_error"
	FailureTimeout      = "timeout"
	FailureOther        = "other"
)

// classifyFailure maps the error texts Claude Code writes to a failure
// class. Order matters: a Bash exit code wins over the "No such file" text
// of the command's stderr.
func classifyFailure(text string, tur toolResultInfo, code *int64) string {
	s := text + "\n" + tur.text
	switch {
	case tur.text == "User rejected tool use" || strings.Contains(s, "The user doesn't want to proceed"):
		return FailureUserRejected
	case tur.Interrupted || strings.Contains(s, "[Request interrupted by user"):
		return FailureInterrupted
	case strings.Contains(s, "InputValidationError"):
		return FailureValidation
	case strings.Contains(s, "Sibling tool call errored"):
		return FailureSibling
	case strings.Contains(s, "timed out") || strings.Contains(s, "Command timeout"):
		return FailureTimeout
	case code != nil && *code != 0:
		return FailureExitCode
	case strings.Contains(s, "File has not been read yet"):
		return FailureNotRead
	case strings.Contains(s, "File does not exist") || strings.Contains(s, "No such file") ||
		strings.Contains(s, "no such file"):
		return FailureNotFound
	}
	return FailureOther
}
