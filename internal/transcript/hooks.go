package transcript

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Hook runs (transcript-format.md §6, §7, §9). Claude Code records them in
// three ways:
//
//   - progress/hook_progress: one line per execution as it starts
//     (hookEvent, hookName, command, toolUseID); no outcome. The only
//     record of most hooks up to 2.1.x.
//   - system/stop_hook_summary: after the Stop hooks of a turn
//     (hookInfos[]{command}, hookErrors[], preventedContinuation,
//     stopReason, toolUseID).
//   - attachment hook_success / hook_blocking_error / hook_non_blocking_error
//     / hook_cancelled / hook_error_during_execution (newer versions): the
//     outcome of one execution, with exitCode and durationMs.
//
// One execution shows up in several of them (each Stop hook of a turn has
// a hook_progress line and a hookInfos entry of the summary), so the key
// names the execution, not the line: hook:<toolUseID>:<event>:<command
// hash> when the toolUseID and the command are known. toolUseID is the
// tool call for tool hooks and a per-event id for the others, and Claude
// Code runs identical commands of one event once. The store then keeps one
// row per execution; within a file the Extractor emits a later record only
// when it knows at least as much (an outcome beats a start). Records that
// name no command (hook_cancelled, prompt hooks) fall back to
// hook:<line uuid>[:<index>].

// Hook statuses (facts.Fact.Status of EventHook facts).
const (
	HookStatusStarted          = "started"            // hook_progress: the outcome was not recorded
	HookStatusSuccess          = "success"            // hook_success, or a Stop hook of an error-free summary
	HookStatusBlockingError    = "blocking_error"     // exit code 2 / decision block
	HookStatusNonBlockingError = "non_blocking_error" // other non-zero exit codes
	HookStatusCancelled        = "cancelled"          // timeout or abort
	HookStatusError            = "error"              // hook_error_during_execution, or the only hook of a summary with errors
	HookStatusCompleted        = "completed"          // a summary with errors that names no culprit among several hooks
)

// Precision of a hook record: a later record replaces an earlier one of
// the same execution only when it knows at least as much.
const (
	hookLevelStarted uint8 = iota + 1
	hookLevelSummary
	hookLevelOutcome
)

// maxHookRuns bounds the per-file memory of hook executions.
const maxHookRuns = 4096

type hookPayload struct {
	HookEvent             string `json:"hookEvent,omitempty"`
	HookName              string `json:"hookName,omitempty"`
	Command               string `json:"command,omitempty"` // content
	Source                string `json:"source"`            // hook_progress | stop_hook_summary | the attachment type
	RunID                 string `json:"runId,omitempty"`   // toolUseID of hooks that belong to no tool call
	Output                string `json:"output,omitempty"`  // content: stderr, blocking reason or error, truncated
	HookErrors            int    `json:"hookErrors,omitempty"`
	PreventedContinuation bool   `json:"preventedContinuation,omitempty"`
	StopReason            string `json:"stopReason,omitempty"` // content
}

// hookRun is one execution as one record describes it.
type hookRun struct {
	event, name, command, toolUseID string
	status                          string
	isError                         bool
	exitCode                        *int64
	durationMs                      int64
	p                               hookPayload
}

func (c *lineCtx) hookProgress(d *progressData) {
	c.hook(&hookRun{event: d.HookEvent, name: d.HookName, command: d.Command,
		toolUseID: rawString(c.l.ToolUseID), status: HookStatusStarted,
		p: hookPayload{Source: "hook_progress"}}, -1, hookLevelStarted)
}

type stopHookSummary struct {
	HookInfos []struct {
		Command string `json:"command"`
	} `json:"hookInfos"`
	HookErrors            []json.RawMessage `json:"hookErrors"`
	PreventedContinuation bool              `json:"preventedContinuation"`
	StopReason            string            `json:"stopReason"`
	ToolUseID             string            `json:"toolUseID"`
}

// stopHookSummary emits one fact per hook the summary lists. hookErrors
// are not attributed to hooks, so only a lone hook can be blamed.
func (c *lineCtx) stopHookSummary() {
	var s stopHookSummary
	decodeLenient(c.raw, &s)
	event := "Stop"
	if c.ent.typ != facts.SessionMain {
		event = "SubagentStop"
	}
	status := HookStatusSuccess
	switch {
	case len(s.HookErrors) > 0 && len(s.HookInfos) == 1:
		status = HookStatusError
	case len(s.HookErrors) > 0:
		status = HookStatusCompleted
	}
	for i, info := range s.HookInfos {
		h := hookRun{event: event, name: event, command: info.Command, toolUseID: s.ToolUseID,
			status: status, isError: status == HookStatusError,
			p: hookPayload{Source: "stop_hook_summary", HookErrors: len(s.HookErrors),
				PreventedContinuation: s.PreventedContinuation}}
		if c.e.opts.IncludeContent {
			h.p.StopReason = truncate(s.StopReason, maxOutputBytes)
		}
		c.hook(&h, i, hookLevelSummary)
	}
}

type hookAttachmentLine struct {
	Attachment *hookAttachment `json:"attachment"`
}

type hookAttachment struct {
	Type          string          `json:"type"`
	HookEvent     string          `json:"hookEvent"`
	HookName      string          `json:"hookName"`
	ToolUseID     string          `json:"toolUseID"`
	Command       string          `json:"command"`
	ExitCode      *int64          `json:"exitCode"`
	DurationMs    int64           `json:"durationMs"`
	Stderr        string          `json:"stderr"`
	Content       json.RawMessage `json:"content"`
	BlockingError *struct {
		BlockingError string `json:"blockingError"`
		Command       string `json:"command"`
	} `json:"blockingError"`
}

var markHookAttachment = []byte(`"hook_`)

// hookAttachment emits the outcome of one hook execution. Other
// attachments (and hook_additional_context, hook_system_message,
// hook_stopped_continuation: consequences of a run already recorded) yield
// nothing.
func (c *lineCtx) hookAttachment() {
	if !bytes.Contains(c.raw, markHookAttachment) {
		return
	}
	var l hookAttachmentLine
	decodeLenient(c.raw, &l)
	a := l.Attachment
	if a == nil {
		return
	}
	h := hookRun{event: a.HookEvent, name: a.HookName, command: a.Command, toolUseID: a.ToolUseID,
		exitCode: a.ExitCode, durationMs: a.DurationMs, p: hookPayload{Source: a.Type}}
	var output string
	switch a.Type {
	case "hook_success":
		h.status = HookStatusSuccess
	case "hook_blocking_error":
		h.status, h.isError = HookStatusBlockingError, true
		if b := a.BlockingError; b != nil {
			output = b.BlockingError
			if h.command == "" {
				h.command = b.Command
			}
		}
	case "hook_non_blocking_error":
		h.status, h.isError = HookStatusNonBlockingError, true
		output = a.Stderr
	case "hook_cancelled":
		h.status = HookStatusCancelled
	case "hook_error_during_execution":
		h.status, h.isError = HookStatusError, true
		decodeLenient(a.Content, &output)
	default:
		return
	}
	if c.e.opts.IncludeContent {
		h.p.Output = truncate(output, maxOutputBytes)
	}
	c.hook(&h, -1, hookLevelOutcome)
}

// hook emits the fact of one execution; index is its position in a
// summary (-1 for records of one execution).
func (c *lineCtx) hook(h *hookRun, index int, level uint8) {
	if h.event == "" {
		h.event, _, _ = strings.Cut(h.name, ":")
	}
	key := hookKey(h, c.l.UUID, index)
	if key == "" {
		return
	}
	e := c.e
	if e.hookLevels == nil {
		e.hookLevels = map[string]uint8{}
	}
	if e.hookLevels[key] > level {
		return
	}
	if len(e.hookLevels) >= maxHookRuns {
		clear(e.hookLevels)
	}
	e.hookLevels[key] = level

	f := c.fact(facts.EventHook, key)
	f.Status = h.status
	f.IsError = h.isError
	f.ExitCode = h.exitCode
	f.DurationMs = h.durationMs
	h.p.HookEvent, h.p.HookName = h.event, h.name
	if isToolHook(h.event) {
		f.ToolUseID = h.toolUseID
	} else {
		h.p.RunID = h.toolUseID
	}
	if e.opts.IncludeContent {
		h.p.Command = h.command
	}
	f.Payload = marshalPayload(h.p)
	c.emit(f)
}

// hookKey names one execution (see the top of this file); "" when the
// record has no id at all.
func hookKey(h *hookRun, uuid string, index int) string {
	if h.toolUseID != "" && h.command != "" {
		event := h.event
		if event == "SubagentStop" {
			event = "Stop" // summaries do not say which of the two they report
		}
		// One allocation: hook facts are as frequent as tool calls.
		var sb strings.Builder
		var num [16]byte
		sb.Grow(len("hook:::") + len(h.toolUseID) + len(event) + len(num))
		sb.WriteString("hook:")
		sb.WriteString(h.toolUseID)
		sb.WriteByte(':')
		sb.WriteString(event)
		sb.WriteByte(':')
		sb.Write(strconv.AppendUint(num[:0], fnv64a(h.command), 16))
		return sb.String()
	}
	if uuid == "" {
		return ""
	}
	if index >= 0 {
		return "hook:" + uuid + ":" + strconv.Itoa(index)
	}
	return "hook:" + uuid
}

// fnv64a is FNV-1a over s, without hash.Hash's allocations.
func fnv64a(s string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime
	}
	return h
}

// isToolHook reports whether hooks of event run for one tool call, whose
// tool_use id is then their toolUseID.
func isToolHook(event string) bool {
	switch event {
	case "PreToolUse", "PostToolUse", "PostToolUseFailure", "PermissionRequest", "PermissionDenied":
		return true
	}
	return false
}

// rawString decodes a raw JSON string leniently: anything else is "".
func rawString(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : n-1])
	}
	var s string
	decodeLenient(raw, &s)
	return s
}
