package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"
)

// sessionGen generates one session: its main transcript and its subagent
// files. Everything random comes from r, seeded from the plan, so a session's
// bytes depend only on (seed, session index).
type sessionGen struct {
	plan  *sessionPlan
	pool  *textPool
	r     *rand.Rand
	now   time.Time
	dir   string // projects/<slug>
	main  *convo
	bytes int64
	stats *Stats
	err   error

	buf bytes.Buffer
	enc *json.Encoder

	edits   int // files edited since the last commit
	commits int
	prs     []prLinkLine
}

func generateSession(root string, sp *sessionPlan, pool *textPool) (*Stats, error) {
	s := &sessionGen{
		plan:  sp,
		pool:  pool,
		r:     rand.New(rand.NewPCG(sp.seedA, sp.seedB)),
		now:   sp.start,
		dir:   filepath.Join(root, "projects", projectDirName(sp.cwd)),
		stats: newStats(),
	}
	s.enc = newEncoder(&s.buf)
	env := envelope{UserType: "external", CWD: sp.cwd, SessionID: sp.id, Version: sp.version, GitBranch: sp.branch, Slug: sp.slug}
	c, err := s.openConvo(filepath.Join(s.dir, sp.id+".jsonl"), env, sp.model, true)
	if err != nil {
		return nil, err
	}
	s.main = c
	s.stats.Sessions = 1
	s.run()
	if err := c.close(); err != nil && s.err == nil {
		s.err = err
	}
	return s.stats, s.err
}

func (s *sessionGen) run() {
	c := s.main
	s.sessionStartHooks(c, "startup")
	// Stop when another average-sized turn would overshoot the target. Turns
	// vary a lot (a subagent run can be 1 MB), so this undershoots as often as
	// the last turn overshoots and the total lands near the requested size.
	for turn := 0; s.err == nil; turn++ {
		if turn > 0 && s.bytes+s.bytes/int64(turn) >= s.plan.target {
			break
		}
		if turn > 0 {
			if s.r.IntN(25) == 0 {
				s.resume(c)
			} else {
				s.advance(20*time.Second, 25*time.Minute)
			}
		}
		if c.ctx+c.pending > s.plan.compactAt {
			s.compact(c, "auto")
		}
		s.humanTurn(c)
	}
}

// sessionStartHooks writes the hook_progress lines of SessionStart.
func (s *sessionGen) sessionStartHooks(c *convo, source string) {
	id := newUUID(s.r)
	for _, cmd := range s.plan.proj.hooks.sessionStart {
		s.advance(5*time.Millisecond, 80*time.Millisecond)
		s.hookLine(c, "SessionStart", "SessionStart:"+source, cmd, id)
	}
}

func (s *sessionGen) hookLine(c *convo, event, name, cmd, toolUseID string) {
	u := newUUID(s.r)
	c.emit("progress", &progressLine{
		envelope:        c.chained(),
		Type:            "progress",
		Data:            &hookProgressData{Type: "hook_progress", HookEvent: event, HookName: name, Command: cmd},
		ParentToolUseID: toolUseID,
		ToolUseID:       toolUseID,
		Timestamp:       s.ts(),
		UUID:            u,
	})
	c.last = u
}

// resume simulates `claude --resume` hours or days later: a time gap, a cold
// prompt cache, SessionStart:resume hooks and re-emitted pr-link lines.
func (s *sessionGen) resume(c *convo) {
	s.advance(10*time.Hour, 40*time.Hour)
	c.cold = true
	s.sessionStartHooks(c, "resume")
	for _, pr := range s.prs {
		pr.Timestamp = s.ts()
		c.emit("pr-link", &pr)
	}
}

var prompts = []string{
	"Please fix the failing test in %s.",
	"Add a %s option to the %s and wire it through the config.",
	"Why does %s return an empty %s when the cache is cold? Investigate and fix.",
	"Refactor %s so the %s is computed once per batch.",
	"Review the changes on this branch and commit them with a good message.",
	"Open a PR for this branch.",
	"Write tests for %s covering the %s edge cases.",
	"The CI job fails with a timeout in %s. Can you look?",
	"Rename %s to something clearer and update all callers of the %s.",
}

func (s *sessionGen) prompt() string {
	t := pick(s.r, prompts)
	args := []any{pick(s.r, s.plan.proj.files), pick(s.r, nouns)}
	text := fmt.Sprintf(t, args[:strings.Count(t, "%s")]...)
	if s.r.IntN(8) == 0 {
		// A pasted stack trace or log: prompts of several KB happen.
		text += "\n\n```\n" + s.pool.codeBlock(s.r, 20+s.r.IntN(120)) + "```"
	}
	return text
}

func (s *sessionGen) humanTurn(c *convo) {
	turnStart := s.now
	if s.r.IntN(20) == 0 {
		c.emit("queue-operation", &queueOperationLine{Type: "queue-operation", Operation: "enqueue", Timestamp: s.ts(), SessionID: s.plan.id, Content: "also check the " + pick(s.r, nouns)})
		s.advance(time.Second, 30*time.Second)
		c.emit("queue-operation", &queueOperationLine{Type: "queue-operation", Operation: "dequeue", Timestamp: s.ts(), SessionID: s.plan.id})
	}
	if s.r.IntN(30) == 0 {
		s.localCommand(c)
	}

	promptUUID := newUUID(s.r)
	c.emit("file-history-snapshot", &fileHistorySnapshotLine{
		Type: "file-history-snapshot", MessageID: promptUUID,
		Snapshot: snapshot{MessageID: promptUUID, TrackedFileBackups: json.RawMessage("{}"), Timestamp: s.ts()},
	})
	var text string
	if s.r.IntN(12) == 0 {
		// A custom slash command: the command line plus its isMeta expansion.
		name := "/" + pick(s.r, []string{"review", "commit", "plan", "team:create-tasks", "test-all"})
		args := s.prompt()
		text = "<command-message>" + strings.TrimPrefix(name, "/") + "</command-message>\n<command-name>" + name + "</command-name>\n<command-args>" + args + "</command-args>"
		s.userText(c, promptUUID, text, true)
		s.advance(10*time.Millisecond, 40*time.Millisecond)
		exp := "# " + name + "\n\n" + s.pool.markdown(s.r, 2+s.r.IntN(4)) + "\n\n**Arguments**: " + args
		u := newUUID(s.r)
		c.emit("user", &userLine{envelope: c.chained(), Type: "user",
			Message: userMessage{Role: "user", Content: []textBlock{{Type: "text", Text: exp}}},
			IsMeta:  true, UUID: u, Timestamp: s.ts()})
		c.last = u
		c.pending += int64(len(exp) / 4)
	} else {
		text = s.prompt()
		s.userText(c, promptUUID, text, true)
	}
	c.pending += int64(len(text)/4) + 5

	steps := 1 + int(s.r.ExpFloat64()*6)
	steps = min(steps, 40)
	for i := range steps {
		final := i == steps-1
		if s.r.IntN(300) == 0 {
			s.apiError(c)
		}
		s.response(c, final)
		if !final && s.r.IntN(80) == 0 {
			s.advance(2*time.Second, 30*time.Second)
			u := newUUID(s.r)
			c.emit("user", &userLine{envelope: c.chained(), Type: "user",
				Message: userMessage{Role: "user", Content: []textBlock{{Type: "text", Text: "[Request interrupted by user]"}}},
				UUID:    u, Timestamp: s.ts()})
			c.last = u
			return
		}
	}
	s.stopHooks(c, turnStart)
}

// userText writes a human prompt line (2.1.x shape).
func (s *sessionGen) userText(c *convo, uuid, text string, human bool) {
	s.advance(50*time.Millisecond, 400*time.Millisecond)
	l := &userLine{envelope: c.chained(), Type: "user", Message: userMessage{Role: "user", Content: text}, UUID: uuid, Timestamp: s.ts()}
	if human && c.main {
		l.ThinkingMetadata = &thinkingMetadata{MaxThinkingTokens: s.plan.maxThinking}
		l.Todos = emptyArray
		l.PermissionMode = pick(s.r, []string{"default", "acceptEdits", "bypassPermissions", "plan"})
	}
	c.emit("user", l)
	c.last = uuid
}

func (s *sessionGen) localCommand(c *convo) {
	u := newUUID(s.r)
	c.emit("user", &userLine{envelope: c.chained(), Type: "user",
		Message: userMessage{Role: "user", Content: "<local-command-caveat>Caveat: The messages below were generated by the user while running local commands. DO NOT respond to these messages or otherwise consider them in your response unless the user explicitly asks you to.</local-command-caveat>"},
		IsMeta:  true, UUID: u, Timestamp: s.ts()})
	c.last = u
	cmd := pick(s.r, []string{"mcp", "context", "cost", "model"})
	for _, content := range []string{
		"<command-name>/" + cmd + "</command-name>\n            <command-message>" + cmd + "</command-message>\n            <command-args></command-args>",
		"<local-command-stdout>" + s.pool.paragraph(s.r, 2) + "</local-command-stdout>",
	} {
		s.advance(100*time.Millisecond, 3*time.Second)
		u := newUUID(s.r)
		c.emit("system", &localCommandLine{envelope: c.chained(), Type: "system", Subtype: "local_command", Content: content, Level: "info", Timestamp: s.ts(), UUID: u})
		c.last = u
	}
}

func (s *sessionGen) stopHooks(c *convo, turnStart time.Time) {
	id := newUUID(s.r)
	infos := make([]hookInfo, 0, len(s.plan.proj.hooks.stop))
	for _, cmd := range s.plan.proj.hooks.stop {
		s.advance(5*time.Millisecond, 200*time.Millisecond)
		s.hookLine(c, "Stop", "Stop", cmd, id)
		infos = append(infos, hookInfo{Command: cmd})
	}
	s.advance(100*time.Millisecond, 2*time.Second)
	u := newUUID(s.r)
	c.emit("system", &stopHookSummaryLine{envelope: c.chained(), Type: "system", Subtype: "stop_hook_summary",
		HookCount: len(infos), HookInfos: infos, HookErrors: emptyArray, HasOutput: true, Level: "suggestion",
		Timestamp: s.ts(), UUID: u, ToolUseID: id})
	c.last = u
	u = newUUID(s.r)
	c.emit("system", &turnDurationLine{envelope: c.chained(), Type: "system", Subtype: "turn_duration",
		DurationMs: s.now.Sub(turnStart).Milliseconds(), Timestamp: s.ts(), UUID: u})
	c.last = u
}

// apiError writes a <synthetic> assistant line, as Claude Code does when the
// API call failed (no requestId, zero usage, never priced).
func (s *sessionGen) apiError(c *convo) {
	s.advance(time.Second, 20*time.Second)
	u := newUUID(s.r)
	stop := "stop_sequence"
	empty := ""
	c.emit("assistant", &assistantLine{envelope: c.chained(), Type: "assistant", UUID: u, Timestamp: s.ts(), IsAPIErrorMessage: true,
		Message: &apiMessage{Model: ModelSynth, ID: newUUID(s.r), Type: "message", Role: "assistant",
			Content:    []any{textBlock{Type: "text", Text: `API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`}},
			StopReason: &stop, StopSequence: &empty,
			Usage: &usagePartial{ServiceTier: "standard", InferenceGeo: "not_available"}}})
	c.last = u
	s.stats.Synthetic++
}

// usageFor draws the token usage of the next response of c and updates its
// context bookkeeping. Cache writes are what was added since the previous
// response, cache reads the prefix already cached.
func (s *sessionGen) usageFor(c *convo) (in, cc5m, cc1h, read int64) {
	in = 1 + s.r.Int64N(6)
	if s.r.IntN(20) == 0 {
		in += s.r.Int64N(400)
	}
	write := c.pending + 20 + s.r.Int64N(300)
	switch {
	case !c.started && c.main:
		// System prompt and tools are usually cached across sessions already.
		read = 15_000 + s.r.Int64N(4_000)
	case !c.started:
		read = 0
		write += 8_000 + s.r.Int64N(6_000)
	case c.cold:
		read = 15_000 + s.r.Int64N(4_000)
		write += max(0, c.ctx-read)
		c.ctx = read
	default:
		read = c.ctx
	}
	c.started, c.cold = true, false
	c.ctx += write + in
	c.pending = 0

	switch s.plan.ttlMode {
	case 0:
		cc1h = write
	case 1:
		cc5m = write
	default:
		switch s.r.IntN(3) {
		case 0:
			cc1h = write
		case 1:
			cc5m = write
		default:
			cc5m = write / 3
			cc1h = write - cc5m
		}
	}
	return in, cc5m, cc1h, read
}

// response writes one API response: 1-5 lines sharing message.id and
// requestId, one content block each. The usage is repeated on every line;
// output_tokens is a small running value until the last line, which carries
// the final count (what ccusage's keep-max de-dup must pick).
func (s *sessionGen) response(c *convo, final bool) {
	r := s.r
	var blocks []any
	var outChars int
	if c.model != ModelHaiku45 && r.IntN(2) == 0 {
		th := s.pool.paragraph(r, 1+r.IntN(6))
		blocks = append(blocks, thinkingBlock{Type: "thinking", Thinking: th, Signature: signature(r, 200+r.IntN(400))})
		outChars += len(th)
	}
	var tools []toolUseBlock
	if final {
		t := s.pool.markdown(r, 1+r.IntN(4))
		blocks = append(blocks, textBlock{Type: "text", Text: t})
		outChars += len(t)
	} else {
		if r.IntN(3) > 0 {
			t := s.pool.paragraph(r, 1+r.IntN(2))
			if r.IntN(4) == 0 {
				t = "\n\n"
			}
			blocks = append(blocks, textBlock{Type: "text", Text: t})
			outChars += len(t)
		}
		n := 1
		if r.IntN(4) == 0 {
			n += 1 + r.IntN(3) // parallel tool calls
		}
		n = min(n, 5-len(blocks)) // a response spans at most 5 lines
		for range n {
			tu := s.chooseTool(c)
			tools = append(tools, tu)
			blocks = append(blocks, tu)
			b, _ := json.Marshal(tu.Input)
			outChars += len(b)
		}
	}
	if len(blocks) == 1 && r.IntN(5) > 0 {
		blocks = append([]any{textBlock{Type: "text", Text: "\n\n"}}, blocks...)
	}

	in, cc5m, cc1h, read := s.usageFor(c)
	out := int64(outChars/4) + 5 + r.Int64N(60)
	partial := 1 + r.Int64N(min(30, out)) // a running count never exceeds the final one
	msgID, reqID := messageID(r), requestID(r)
	stopReason := "tool_use"
	if final {
		stopReason = "end_turn"
	}

	s.advance(time.Second, 15*time.Second)
	var lastUUID string
	for i, b := range blocks {
		if i > 0 {
			s.advance(200*time.Millisecond, 4*time.Second)
		}
		msg := &apiMessage{Model: c.model, ID: msgID, Type: "message", Role: "assistant", Content: []any{b}}
		if i < len(blocks)-1 {
			msg.Usage = &usagePartial{InputTokens: in, CacheCreationInputTokens: cc5m + cc1h, CacheReadInputTokens: read,
				CacheCreation: cacheCreation5m1h{cc5m, cc1h}, OutputTokens: partial, ServiceTier: "standard", InferenceGeo: "not_available"}
		} else {
			fin := &usageFinal{InputTokens: in, CacheCreationInputTokens: cc5m + cc1h, CacheReadInputTokens: read,
				OutputTokens: out, ServiceTier: "standard", CacheCreation: cacheCreation1h5m{cc1h, cc5m}, Iterations: emptyArray}
			msg.Usage = fin
			msg.StopReason = &stopReason
			c.lastFin = fin
		}
		lastUUID = newUUID(r)
		c.emit("assistant", &assistantLine{envelope: c.chained(), Message: msg, RequestID: reqID, Type: "assistant", UUID: lastUUID, Timestamp: s.ts()})
		c.last = lastUUID
		if c.mirror != nil {
			c.mirror.copyAssistant(msg, reqID, lastUUID, s.ts())
		}
	}
	s.stats.addUsage(c.model, in, out, cc5m, cc1h, read)
	c.pending += out

	for _, tu := range tools {
		s.toolCall(c, tu, msgID, lastUUID)
	}
}

// compact writes an auto-compaction: the summarizer's agent-acompact-*
// file (real spend, counted by ccusage), the compact_boundary and the
// summary user line; the context shrinks to the summary.
func (s *sessionGen) compact(c *convo, trigger string) {
	r := s.r
	pre := c.ctx + c.pending
	id := "acompact-" + randString(r, hexDigits, 6)
	env := c.env
	env.IsSidechain = true
	env.AgentID = id
	sub, err := s.openConvo(filepath.Join(s.dir, s.plan.id, "subagents", "agent-"+id+".jsonl"), env, c.model, false)
	if err != nil {
		s.err = err
		return
	}
	sub.ctx, sub.started = c.ctx, true // the summarizer reuses the session's cache
	sub.pending = c.pending
	s.advance(time.Second, 5*time.Second)
	s.userText(sub, newUUID(r), "<system-reminder>\nPostToolUse hook additional context: "+s.pool.paragraph(r, 2)+"\n</system-reminder>", false)
	s.userText(sub, newUUID(r), "Your task is to create a detailed summary of the conversation so far, paying close attention to the user's explicit requests and your previous actions.", false)
	sub.pending += 1_000
	s.response(sub, true)
	if err := sub.close(); err != nil {
		s.err = err
	}
	s.stats.Subagents++

	s.advance(20*time.Second, 90*time.Second)
	b := newUUID(r)
	c.emit("system", &compactBoundaryLine{LogicalParentUUID: c.last, IsSidechain: false, UserType: "external", CWD: c.env.CWD,
		SessionID: c.env.SessionID, Version: c.env.Version, GitBranch: c.env.GitBranch, Slug: c.env.Slug,
		Type: "system", Subtype: "compact_boundary", Content: "Conversation compacted", Timestamp: s.ts(), UUID: b, Level: "info",
		CompactMetadata: compactMetadata{Trigger: trigger, PreTokens: pre}})
	c.last = b
	summary := "This session is being continued from a previous conversation that ran out of context. The conversation is summarized below:\n" +
		s.pool.markdown(r, 4+r.IntN(6))
	u := newUUID(r)
	c.emit("user", &userLine{envelope: c.chained(), Type: "user", Message: userMessage{Role: "user", Content: summary},
		IsCompactSummary: true, IsVisibleInTranscript: true, UUID: u, Timestamp: s.ts()})
	c.last = u
	c.ctx = 15_000 + r.Int64N(4_000)
	c.cold = false
	c.pending = int64(len(summary) / 4)
	s.stats.Compactions++
}
