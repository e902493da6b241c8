// Package transcript turns Claude Code transcript JSONL lines into
// facts.Fact values whose token and cost numbers equal ccusage's.
//
// One Extractor handles one transcript file and keeps the cross-line state
// the format needs (tool_use -> tool_result pairing, 1.x sidechain
// attribution, first cwd), so a file can be fed in several batches while it
// grows. Every fact key is derived from transcript content only, so replaying
// a file yields the same keys and the store can upsert idempotently.
//
// Facts and keys:
//
//	claude_code.api_request      req:<message.id>        one per line; the store keeps the best copy (PreferUsage)
//	claude_code.api_error        apierr:<uuid>           <synthetic> / isApiErrorMessage assistant lines
//	claude_code.user_prompt      prompt:<uuid>           text typed by the human
//	ccdash.tool_use              tooluse:<tool_use id>
//	claude_code.skill_activated  skill:<tool_use id>     Skill tool_use
//	claude_code.tool_result      toolres:<tool_use id>
//	ccdash.commit                commit:<sha>            successful `git commit` output only
//	ccdash.pull_request          pr:<url>                pr-link lines and `gh pr create` output
//	ccdash.file_update           file:<tool_use id>      Edit/MultiEdit/Write structuredPatch
//	claude_code.compaction       compact:<uuid>          system/compact_boundary
//	ccdash.hook                  hook:<toolUseID>:<event>:<command hash> | hook:<uuid>[:<i>]
//	                                                     one per hook execution (hooks.go)
//	claude_code.subagent_completed agentlink:<parent session>:<agentId | sidechain-<key>>
//	ccdash.session               session:<session id>    per EndBatch; the store merges min/max times
//
// Session ids: a main file is its file stem; subagents are
// <root>/agent-<agentId> (2.0 flat files, 2.1 subagents/ dirs and
// agent_progress copies alike); 1.x inline sidechains are
// <root>/sidechain-<Task tool_use id> (or the root line's uuid when no Task
// prompt matches).
//
// State is per Extractor and in memory. A caller that resumes a file from a
// byte offset with a fresh Extractor loses pairing state for lines written
// before that offset (durations, tool names on results, 1.x sidechain roots);
// keys stay the same, so re-reading the file from the start repairs it, and
// replaying the already-read prefix with a no-op emit restores the state.
package transcript

import (
	"bytes"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/pricing"
)

// Options configure an Extractor.
type Options struct {
	// IncludeContent puts prompts, tool inputs, truncated tool outputs, API
	// error texts and session titles into Payload. When false they are
	// omitted; numbers, names, ids and paths are kept.
	IncludeContent bool
	// Pricing prices API usage; nil means pricing.Default().
	Pricing *pricing.Table
}

// DefaultOptions is full fidelity with the embedded price table.
func DefaultOptions() Options {
	return Options{IncludeContent: true, Pricing: pricing.Default()}
}

// Extractor extracts facts from the lines of one transcript file.
type Extractor struct {
	fi   FileInfo
	opts Options

	fileEnt    *entity
	entities   map[string]*entity
	projectCwd string

	tools          *toolCalls
	pendingTasks   map[string][]string // Task prompt -> tool_use ids (1.x sidechains)
	nPendingTasks  int
	sidechainUUIDs map[string]*entity
	pendingLinks   []pendingLink
	links          map[string]linkInfo // emitted subagent links
	metaLinked     bool
	hookLevels     map[string]uint8 // hook execution key -> precision of its last fact (hooks.go)

	batch      map[string]*batchSpan
	batchOrder []string

	line   Line // reused decode target
	hasher inputHasher
	fast   fastDecoder
	// slowOnly disables the fast decoder (tests compare the two paths).
	slowOnly bool
}

// NewExtractor returns an Extractor for the file fi.
func NewExtractor(fi FileInfo, opts Options) *Extractor {
	if opts.Pricing == nil {
		opts.Pricing = pricing.Default()
	}
	return &Extractor{
		fi:             fi,
		opts:           opts,
		entities:       map[string]*entity{},
		tools:          newToolCalls(maxToolCalls),
		pendingTasks:   map[string][]string{},
		sidechainUUIDs: map[string]*entity{},
		links:          map[string]linkInfo{},
		batch:          map[string]*batchSpan{},
	}
}

// Line processes one line (without its trailing newline) and calls emit for
// every fact it yields. A line that cannot be decoded returns an error
// wrapping ErrBadLine and yields nothing; the Extractor stays usable.
func (e *Extractor) Line(b []byte, emit func(facts.Fact)) error {
	l := &e.line
	*l = Line{}
	// The decoded line points into b; drop it so b is not kept alive.
	defer func() { *l = Line{} }()
	var blocks []Block
	var data *progressData
	st := fastSlow
	e.fast.reset()
	if !e.slowOnly {
		blocks, data, st = e.fast.decode(b, l)
	}
	switch st {
	case fastBlank:
		return nil
	case fastSlow:
		*l = Line{}
		e.fast.reset()
		var ok bool
		var err error
		if blocks, data, ok, err = decodeSlow(b, l); err != nil || !ok {
			return err
		}
	}

	ts := parseTime(l.Timestamp)
	if e.projectCwd == "" && l.Cwd != "" {
		e.projectCwd = l.Cwd
	}
	ent := e.lineEntity(l, blocks)
	sp := e.touch(ent, ts, &l.Header)
	e.metaLink(ent, ts, emit)

	c := lineCtx{e: e, l: l, raw: b, ent: ent, ts: ts, blocks: blocks, emit: emit}
	c.flushPendingLinks()

	switch l.Type {
	case "assistant":
		c.assistant()
	case "user":
		c.user()
	case "system":
		switch l.Subtype {
		case "compact_boundary":
			c.compaction()
		case "stop_hook_summary":
			c.stopHookSummary()
		}
	case "progress":
		switch {
		case data == nil:
		case data.Type == "agent_progress":
			c.agentProgress(data)
		case data.Type == "hook_progress" && bytes.Contains(b, markHookProgress):
			// The marker check keeps the two decoders in step: the slow
			// path decodes data only when the line holds it.
			c.hookProgress(data)
		}
	case "attachment":
		c.hookAttachment()
	case "pr-link":
		c.prLink()
	case "custom-title":
		sp.customTitle = l.CustomTitle
	case "ai-title":
		sp.aiTitle = l.AITitle
	case "summary":
		sp.summary = l.Summary
	}
	if l.Type != "assistant" {
		// ccusage reads usage from any line shaped like an assistant line.
		c.usage()
	}
	return nil
}

// lineCtx carries one line through the fact builders.
type lineCtx struct {
	e      *Extractor
	l      *Line
	raw    []byte
	ent    *entity
	ts     time.Time
	blocks []Block
	emit   func(facts.Fact)
}

// fact starts a fact of this line with the line's context filled in.
func (c *lineCtx) fact(event, key string) facts.Fact {
	f := facts.Fact{Key: key, Event: event, Time: c.ts}
	c.e.fillEntity(&f, c.ent)
	f.Cwd = c.l.Cwd
	f.GitBranch = c.l.GitBranch
	f.Version = str(c.l.Version)
	return f
}

func (c *lineCtx) assistant() {
	m := c.l.Message
	if m != nil && (str(m.Model) == pricing.SyntheticModel || c.l.IsAPIErrorMessage) && c.l.UUID != "" {
		f := c.fact(facts.EventAPIError, "apierr:"+c.l.UUID)
		f.Model = str(m.Model)
		f.MessageID = str(m.ID)
		f.RequestID = str(c.l.RequestID)
		f.Status = "error"
		if c.e.opts.IncludeContent {
			f.Payload = marshalPayload(struct {
				Text string `json:"text,omitempty"`
			}{truncate(joinText(c.blocks), maxOutputBytes)})
		}
		c.emit(f)
	}
	c.usage()
	for i := range c.blocks {
		if c.blocks[i].Type == "tool_use" {
			c.toolUse(&c.blocks[i])
		}
	}
}

func (c *lineCtx) user() {
	hasResult := false
	for i := range c.blocks {
		if c.blocks[i].Type == "tool_result" {
			hasResult = true
			c.toolResult(&c.blocks[i], c.resultCount())
		}
	}
	if !hasResult {
		c.prompt()
	}
}

func (c *lineCtx) resultCount() int {
	n := 0
	for i := range c.blocks {
		if c.blocks[i].Type == "tool_result" {
			n++
		}
	}
	return n
}

type compactPayload struct {
	Trigger    string `json:"trigger,omitempty"`
	PreTokens  int64  `json:"preTokens,omitempty"`
	PostTokens int64  `json:"postTokens,omitempty"`
	DurationMs int64  `json:"durationMs,omitempty"`
}

func (c *lineCtx) compaction() {
	if c.l.UUID == "" {
		return
	}
	f := c.fact(facts.EventCompaction, "compact:"+c.l.UUID)
	var p compactPayload
	decodeLenient(c.l.CompactMetadata, &p)
	f.Status = p.Trigger
	f.Payload = marshalPayload(p)
	c.emit(f)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
