package transcript

import (
	"bytes"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/pricing"
)

// Usage facts follow ccusage's Rust loader (adapter/claude/mod.rs, daily.rs;
// transcript-format.md §4.2) line by line, so that de-duplicated totals are
// equal:
//   - only lines containing `"usage":{` are considered;
//   - a line with `"<f>":null` for any f in nullRejectedFields, anywhere in
//     the line, is skipped;
//   - input_tokens and output_tokens are required, negative counts and an
//     unknown usage.speed are rejected (serde would fail);
//   - version, when present, must start with d+.d+.d; sessionId, requestId,
//     message.id and model, when present, must be non-empty. For
//     agent_progress copies version and sessionId are not checked.
//
// On top of that a fact needs a message.id (its key) and a model other than
// <synthetic> (synthetic lines carry zero usage and become api_error facts).
//
// Key = "req:" + message.id. ccusage keys on (message.id, requestId) but falls
// back to message.id alone whenever either copy is a sidechain (subagent
// files replaying parent messages with a new requestId, issue #913), and a
// non-sidechain message.id with two different requestIds does not occur in
// practice. Keying on message.id alone makes the store's keep-best upsert
// independent of arrival order.
//
// One fact is emitted per line: the split lines of one streamed response
// share the key and the store keeps the best copy (PreferUsage). A model the
// price table does not know costs 0 and gets Status "unpriced" (ccusage's
// "missing pricing").

var usageMarker = []byte(`"usage":{`)

// nullRejectedFields are the fields ccusage refuses to see as JSON null.
var nullRejectedFields = map[string]bool{
	"id": true, "cwd": true, "model": true, "speed": true, "costUSD": true,
	"version": true, "sessionId": true, "requestId": true,
	"isApiErrorMessage": true, "cache_read_input_tokens": true,
	"cache_creation_input_tokens": true,
}

// hasRejectedNull ports ccusage's has_unsupported_null_field byte scan
// (including its quirks: it looks at the quoted token before every ":null").
func hasRejectedNull(line []byte) bool {
	nullTok := []byte(":null")
	offset := 0
	for {
		rel := bytes.Index(line[offset:], nullTok)
		if rel < 0 {
			return false
		}
		nullIndex := offset + rel
		fieldEnd := max(nullIndex-1, 0)
		if line[fieldEnd] != '"' {
			for fieldEnd > 0 && line[fieldEnd] != '"' {
				fieldEnd--
			}
		}
		if line[fieldEnd] == '"' {
			fieldStart := max(fieldEnd-1, 0)
			for fieldStart > 0 && line[fieldStart] != '"' {
				fieldStart--
			}
			if line[fieldStart] == '"' && fieldStart < fieldEnd &&
				nullRejectedFields[string(line[fieldStart+1:fieldEnd])] {
				return true
			}
		}
		offset = nullIndex + len(nullTok)
	}
}

// isSemverPrefix is ccusage's is_semver_prefix: digits '.' digits '.' digit.
func isSemverPrefix(v string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(v) && v[i] >= '0' && v[i] <= '9' {
			i++
		}
		return i > start
	}
	if !digits() || i >= len(v) || v[i] != '.' {
		return false
	}
	i++
	if !digits() || i >= len(v) || v[i] != '.' {
		return false
	}
	i++
	return i < len(v) && v[i] >= '0' && v[i] <= '9'
}

func nonEmptyIfSet(p *string) bool { return p == nil || *p != "" }

// usageCopy is one usage record, from a line or an agent_progress copy.
type usageCopy struct {
	msg         *Message
	requestID   *string
	isSidechain bool
	time        time.Time
	ent         *entity
	source      string // "" for the line itself, "agent_progress" for copies
}

// hasUsageMarker reports whether the line contains `"usage":{`.
func (c *lineCtx) hasUsageMarker() bool {
	return c.e.fast.hasUsageMarker || bytes.Contains(c.raw, usageMarker)
}

// usage emits the api_request fact of a line that carries message.usage.
func (c *lineCtx) usage() {
	l := c.l
	if l.Message == nil || l.Message.Usage == nil || !c.hasUsageMarker() {
		return
	}
	if v := l.Version; v != nil && !isSemverPrefix(*v) {
		return
	}
	if !nonEmptyIfSet(l.SessionID) {
		return
	}
	c.emitUsage(usageCopy{msg: l.Message, requestID: l.RequestID, isSidechain: l.IsSidechain, time: c.ts, ent: c.ent})
}

type usagePayload struct {
	UUID       string `json:"uuid,omitempty"`
	StopReason string `json:"stopReason,omitempty"`
	Source     string `json:"source,omitempty"`
}

func (c *lineCtx) emitUsage(u usageCopy) {
	m := u.msg
	if m == nil || m.Usage == nil || u.time.IsZero() || hasRejectedNull(c.raw) {
		return
	}
	if !nonEmptyIfSet(u.requestID) || !nonEmptyIfSet(m.ID) || !nonEmptyIfSet(m.Model) {
		return
	}
	id, model := str(m.ID), str(m.Model)
	if id == "" || model == "" || model == pricing.SyntheticModel {
		return
	}
	fu, speed, ok := convertUsage(m.Usage)
	if !ok {
		return
	}
	f := c.fact(facts.EventAPIRequest, "req:"+id)
	f.Time = u.time
	if u.ent != c.ent {
		c.e.fillEntity(&f, u.ent)
	}
	f.Model = model
	f.MessageID = id
	f.RequestID = str(u.requestID)
	f.IsSidechain = u.isSidechain
	f.Speed = speed
	f.Usage = fu
	cost, priced := c.e.opts.Pricing.Cost(model, fu, speed)
	f.CostNanos = cost
	if !priced {
		f.Status = "unpriced"
	}
	p := usagePayload{StopReason: m.StopReason, Source: u.source}
	if u.source == "" {
		p.UUID = c.l.UUID
	}
	f.Payload = marshalPayload(p)
	c.emit(f)
}

// convertUsage maps message.usage to facts.Usage: the 5m/1h breakdown when
// present, else the flat cache_creation_input_tokens as 5m (ccusage).
func convertUsage(u *Usage) (facts.Usage, string, bool) {
	if u.InputTokens == nil || u.OutputTokens == nil ||
		*u.InputTokens < 0 || *u.OutputTokens < 0 ||
		u.CacheCreationInputTokens < 0 || u.CacheReadInputTokens < 0 {
		return facts.Usage{}, "", false
	}
	speed := ""
	if u.Speed != nil {
		switch *u.Speed {
		case "fast":
			speed = "fast"
		case "standard":
		default:
			return facts.Usage{}, "", false
		}
	}
	fu := facts.Usage{
		Input:     *u.InputTokens,
		Output:    *u.OutputTokens,
		CacheRead: u.CacheReadInputTokens,
	}
	if cc := u.CacheCreation; cc != nil {
		if cc.Ephemeral5m < 0 || cc.Ephemeral1h < 0 {
			return facts.Usage{}, "", false
		}
		fu.CacheCreate5m, fu.CacheCreate1h = cc.Ephemeral5m, cc.Ephemeral1h
	} else {
		fu.CacheCreate5m = u.CacheCreationInputTokens
	}
	return fu, speed, true
}

// PreferUsage reports whether candidate should replace existing, two
// api_request facts with the same key, by ccusage's keep rule: a
// non-sidechain copy beats a sidechain copy; then the larger token total;
// then the larger cost; then the copy that has a speed. Otherwise the
// existing copy stays.
func PreferUsage(candidate, existing facts.Fact) bool {
	if candidate.IsSidechain != existing.IsSidechain {
		return existing.IsSidechain
	}
	if ct, et := candidate.Usage.Total(), existing.Usage.Total(); ct != et {
		return ct > et
	}
	if candidate.CostNanos != existing.CostNanos {
		return candidate.CostNanos > existing.CostNanos
	}
	return candidate.Speed != "" && existing.Speed == ""
}
