package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// The metrics logs mode derives from facts: the claude_code receiver's
// names, units and attribute keys, so rollup entries (and the API's rollup
// sources, internal/store rollup_series.go) are the same whichever path fed
// them.
var (
	metaTokens  = meta{name: "claude_code.token.usage", unit: "tokens", desc: "Tokens used by API requests, de-duplicated per API response.", monotonic: true}
	metaCost    = meta{name: "claude_code.cost.usage", unit: "USD", desc: "Cost of API requests in USD (ccusage --offline price semantics).", monotonic: true, dbl: true, nano: true}
	metaTools   = meta{name: "ccdash.tool.calls", unit: "{call}", desc: "Tool calls by tool and outcome, at the call's start.", monotonic: true}
	metaCommits = meta{name: "claude_code.commit.count", unit: "{commit}", desc: "Git commits made in Claude Code sessions.", monotonic: true}
	metaPRs     = meta{name: "claude_code.pull_request.count", unit: "{pull_request}", desc: "Pull requests opened in Claude Code sessions.", monotonic: true}
)

var tokenTypes = [4]string{"input", "output", "cacheRead", "cacheCreation"}

// Kinds of fact entries.
const (
	factAPI   = 1 // claude_code.api_request: tokens by type and model, cost by model
	factTool  = 2 // a tool call (tool_use and tool_result facts of one tool_use_id)
	factCount = 3 // a commit or pull request: 1
)

// factEntry is what one fact key contributes to the windows: the state of
// its kept copy, merged by the store's rules (internal/store rows.go
// dedupRank, merge.go mergeTool), so a window holds exactly the facts the
// store's tables hold for it.
//
// Fields are ordered (and Kind and Res narrow) so an entry fits the 128-byte
// size class: a backfill holds one per API response and tool call of the
// whole history.
type factEntry struct {
	Kind  int8  `json:"k"`
	Side  bool  `json:"s,omitempty"` // a sidechain copy
	Error bool  `json:"e,omitempty"`
	Res   int32 `json:"r"` // index into state.Resources
	At    int64 `json:"t"` // unix ms the fact counts at
	// Until (unix ms) is the end of the longest window containing At: the
	// entry is dropped when that window closes.
	Until  int64    `json:"x"`
	Metric string   `json:"m,omitempty"` // factCount
	Model  string   `json:"mo,omitempty"`
	Usage  [4]int64 `json:"u,omitzero"`   // by tokenTypes
	Cost   int64    `json:"c,omitempty"`  // 1e-9 USD
	Start  int64    `json:"st,omitempty"` // tool_use time (unix ms), 0: not seen
	End    int64    `json:"en,omitempty"` // tool_result time (unix ms), 0: not seen
	Tool   string   `json:"tl,omitempty"`
}

// item is one window contribution of a fact.
type item struct {
	md    meta
	attrs string
	v     int64
}

// attrsCache holds rendered attribute sets: there are few (models × token
// types, tools × outcomes) and every fact renders its own. Shared by all
// processor instances, hence its own lock.
var attrsCache = struct {
	sync.Mutex
	m      map[string]string
	models map[string]*[len(tokenTypes) + 1]string
	tools  map[toolAttrsKey]string
	parsed map[string]map[string]string // stringAttrs (logs.go)
}{m: map[string]string{}, models: map[string]*[len(tokenTypes) + 1]string{}, tools: map[toolAttrsKey]string{},
	parsed: map[string]map[string]string{}}

func attrsJSON(kv ...string) string {
	key := strings.Join(kv, "\x00")
	attrsCache.Lock()
	defer attrsCache.Unlock()
	if s, ok := attrsCache.m[key]; ok {
		return s
	}
	s := renderAttrs(kv)
	if len(attrsCache.m) < 1<<16 { // a bound, should model or tool names run wild
		attrsCache.m[key] = s
	}
	return s
}

// modelAttrs are the attribute sets of an API request's items: model and
// type for each token type, then model alone (cost). Cached by model, so
// the hot path neither joins nor renders.
func modelAttrs(model string) *[len(tokenTypes) + 1]string {
	attrsCache.Lock()
	a, ok := attrsCache.models[model]
	attrsCache.Unlock()
	if ok {
		return a
	}
	a = new([len(tokenTypes) + 1]string)
	for i, typ := range tokenTypes {
		a[i] = attrsJSON("model", model, "type", typ)
	}
	a[len(tokenTypes)] = attrsJSON("model", model)
	attrsCache.Lock()
	if len(attrsCache.models) < 1<<12 {
		attrsCache.models[model] = a
	}
	attrsCache.Unlock()
	return a
}

// toolAttrs is the attribute set of a tool call's item.
func toolAttrs(tool string, isErr bool) string {
	k := toolAttrsKey{tool, isErr}
	attrsCache.Lock()
	s, ok := attrsCache.tools[k]
	attrsCache.Unlock()
	if ok {
		return s
	}
	status := "success"
	if isErr {
		status = "error"
	}
	s = attrsJSON("status", status, "tool", tool)
	attrsCache.Lock()
	if len(attrsCache.tools) < 1<<14 {
		attrsCache.tools[k] = s
	}
	attrsCache.Unlock()
	return s
}

type toolAttrsKey struct {
	tool  string
	isErr bool
}

func renderAttrs(kv []string) string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, _ := json.Marshal(m) // sorted keys, as canonical renders them
	return string(b)
}

// items lists what the entry adds to the windows of At, in a fixed order
// per kind: the first n of out (an array, so the hot path allocates none).
func (e *factEntry) items() (out [maxItems]item, n int) {
	if e == nil {
		return out, 0
	}
	switch e.Kind {
	case factAPI:
		a := modelAttrs(e.Model)
		for i := range tokenTypes {
			out[i] = item{metaTokens, a[i], e.Usage[i]}
		}
		out[len(tokenTypes)] = item{metaCost, a[len(tokenTypes)], e.Cost}
		return out, maxItems
	case factTool:
		out[0] = item{metaTools, toolAttrs(e.Tool, e.Error), 1}
		return out, 1
	case factCount:
		md := metaCommits
		if e.Metric == metaPRs.name {
			md = metaPRs
		}
		out[0] = item{md, "{}", 1}
		return out, 1
	}
	return out, 0
}

// maxItems is the most items a fact has (an API request: four token types
// and the cost).
const maxItems = len(tokenTypes) + 1

// apiRank orders copies of one API response as the store does
// (dedupRank): the non-sidechain copy, then the larger token total, the
// larger cost, the earlier time. The store breaks a full tie with a hash of
// the whole row; here the copy counted first stays (a tie on all four
// places the copies in the same windows; only a differing model could tell).
func apiRank(e *factEntry) [4]int64 {
	side := int64(1)
	if e.Side {
		side = 0
	}
	return [4]int64{side, e.Usage[0] + e.Usage[1] + e.Usage[2] + e.Usage[3], e.Cost, -max(e.At, 0)}
}

func rankGreater(a, b [4]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// resource interns a canonical resource.
func (b *batch) resource(res string) int {
	for i, r := range b.st.Resources {
		if r == res {
			return i
		}
	}
	b.st.Resources = append(b.st.Resources, res)
	b.changed = true
	return len(b.st.Resources) - 1
}

// fact folds one fact into the windows: it computes the fact key's new
// kept state, and when that differs from what was counted, takes the old
// contribution out of its windows and puts the new one in. A fact that
// changes nothing (a replay, a smaller copy) re-sends its open windows.
func (b *batch) fact(res int, f *facts.Fact) {
	var key string
	switch f.Event {
	case facts.EventIngestProgress:
		b.progress(f)
		return
	case facts.EventAPIRequest, facts.EventCommit, facts.EventPullRequest:
		key = f.Key
	case facts.EventToolUse, facts.EventToolResult:
		if f.ToolUseID == "" {
			return // not a tool_calls row in the store either
		}
		key = "tool:" + f.ToolUseID
	default:
		return
	}
	at := f.Time.UnixMilli()
	if f.Time.IsZero() || at <= 0 {
		b.skipped++
		return
	}
	old := b.st.Facts[key]
	next, counts := merge(old, f, res, at)
	if !counts {
		// A replay, a smaller copy, or a tool fact that leaves the call's
		// time, name and outcome as they were.
		b.replayed++
		b.touch(old)
		if next != *old {
			b.st.putFact(key, old, &next)
			b.changed = true
		}
		return
	}
	next.Until = b.until(next.At)
	b.changed = true
	oa, on := old.items()
	na, nn := next.items()
	oi, ni := oa[:on], na[:nn]
	for i := range ni {
		if old != nil && i < len(oi) && oi[i] == ni[i] && old.At == next.At && old.Res == next.Res {
			b.touchItem(ni[i], int(next.Res), next.At) // unchanged part of a changed fact
			continue
		}
		if old != nil && i < len(oi) {
			b.addItem(oi[i], int(old.Res), old.At, -1)
		}
		b.addItem(ni[i], int(next.Res), next.At, 1)
	}
	switch {
	case next.Until*int64(time.Millisecond)+int64(b.p.cfg.CloseAfter) > b.st.Horizon:
		b.st.putFact(key, old, &next)
	case old != nil:
		b.st.dropFact(key, old) // every window of it has closed
	}
}

// merge applies f to the kept state old (nil: first copy) by the store's
// rules; counts reports whether the contribution to the windows changed.
func merge(old *factEntry, f *facts.Fact, res int, at int64) (next factEntry, counts bool) {
	switch f.Event {
	case facts.EventAPIRequest:
		c := factEntry{Kind: factAPI, Res: int32(res), At: at, Model: f.Model, Cost: f.CostNanos, Side: f.IsSidechain,
			Usage: [4]int64{f.Usage.Input, f.Usage.Output, f.Usage.CacheRead, f.Usage.CacheCreation()}}
		if old != nil && !rankGreater(apiRank(&c), apiRank(old)) {
			return *old, false
		}
		return c, true
	case facts.EventToolUse, facts.EventToolResult:
		n := factEntry{Kind: factTool, Res: int32(res)}
		if old != nil {
			n = *old
		}
		// tool_calls upsert (internal/store upsert.go): the name from the
		// start when it has one, else the first non-empty one; the latest
		// start, end and outcome.
		if f.Event == facts.EventToolUse {
			n.Start = at
			if f.ToolName != "" {
				n.Tool = f.ToolName
			}
		} else {
			n.End, n.Error = at, f.IsError
			if n.Tool == "" {
				n.Tool = f.ToolName
			}
		}
		n.At = n.Start // the call counts at its start when known
		if n.At == 0 {
			n.At = n.End
		}
		return n, old == nil || n.At != old.At || n.Tool != old.Tool || n.Error != old.Error
	default: // commits, pull requests: the latest copy (the store replaces on change)
		metric := metaCommits.name
		if f.Event == facts.EventPullRequest {
			metric = metaPRs.name
		}
		c := factEntry{Kind: factCount, Res: int32(res), At: at, Metric: metric}
		if old != nil && old.At == at {
			return *old, false
		}
		return c, true
	}
}

// until is the end (unix ms) of the longest window containing at.
func (b *batch) until(at int64) int64 {
	var end int64
	for _, period := range b.p.cfg.Periods {
		_, e := windowOf(period, b.p.loc, time.UnixMilli(at))
		end = max(end, e.UnixMilli())
	}
	return end
}

func (b *batch) addItem(it item, res int, at int64, sign int64) {
	if b.p.selected != nil && !b.p.selected[it.md.name] {
		return
	}
	b.add(it.md, b.st.Resources[res], it.attrs, at*int64(time.Millisecond), delta{i: sign * it.v, facts: sign})
}

// touch re-sends the open windows of a counted fact.
func (b *batch) touch(e *factEntry) {
	if e == nil {
		return
	}
	its, n := e.items()
	for _, it := range its[:n] {
		b.touchItem(it, int(e.Res), e.At)
	}
}

func (b *batch) touchItem(it item, res int, at int64) {
	if b.p.selected != nil && !b.p.selected[it.md.name] {
		return
	}
	for _, period := range b.p.cfg.Periods {
		start, _ := windowOf(period, b.p.loc, time.UnixMilli(at))
		if w := b.openWindow(it.md.name, period, start.UnixMilli(), b.st.Resources[res], it.attrs); w != nil {
			b.touched[w] = struct{}{}
		}
	}
}

// progress tracks the reporters' backfills: while one is not complete the
// horizon stays put (finish), so the interleaved files of a parallel
// backfill close no window early.
func (b *batch) progress(f *facts.Fact) {
	p := f.IngestInfo
	if p == nil || p.Reporter == "" || b.p.cfg.BackfillHold == 0 {
		return
	}
	if !p.BackfillComplete {
		b.st.Holds[p.Reporter] = b.p.now().UnixNano()
		b.changed = true
	} else if _, ok := b.st.Holds[p.Reporter]; ok {
		delete(b.st.Holds, p.Reporter)
		b.changed = true
	}
}

// holding reports whether a reporter is backfilling; holds not renewed
// for backfill_hold (a reporter that went away mid-backfill) are dropped.
func (b *batch) holding() bool {
	now := b.p.now().UnixNano()
	held := false
	for r, t := range b.st.Holds {
		if now-t >= int64(b.p.cfg.BackfillHold) {
			delete(b.st.Holds, r)
			b.changed = true
			continue
		}
		held = true
	}
	return held
}

// dropClosedFacts forgets the facts whose windows have all closed: a later
// copy of one finds its windows closed and becomes a gap, as any late fact.
func (b *batch) dropClosedFacts() {
	for k, e := range b.st.Facts {
		if e.Until*int64(time.Millisecond)+int64(b.p.cfg.CloseAfter) <= b.st.Horizon {
			b.st.dropFact(k, e)
			b.changed = true
		}
	}
}
