package traces

import (
	"encoding/json"
	"regexp"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// requestStart estimates when an API request was sent: transcripts record
// the response only, and a request goes out right after the session's
// latest input (prompt or tool result), else its first line in the batch.
func (bt *batch) requestStart(f *facts.Fact) time.Time {
	t := bt.b.lastInput[f.SessionID]
	if t.IsZero() {
		if r, ok := bt.spanOf[f.SessionID]; ok {
			t = r.first
		}
	}
	if t.IsZero() || t.After(f.Time) {
		return f.Time
	}
	return t
}

// llmRequest folds one copy of an API response into its span (one span per
// message.id however many streaming splits and subagent copies there are).
func (bt *batch) llmRequest(f *facts.Fact) {
	if f.MessageID == "" {
		return
	}
	id := LLMRequestSpanID(f.MessageID)
	parent := bt.parentOf(f)
	s, created := bt.start(id, parent, SpanLLMRequest, f)
	if s == nil {
		return
	}
	if created {
		s.Kind = KindClient
		s.Start = bt.requestStart(f)
		sessionAttrs(s, f, f.SessionID, f.SessionType)
		bt.best[id] = *f
	} else if old := bt.best[id]; transcript.PreferUsage(*f, old) {
		bt.best[id] = *f
	}
	s.cover(f.Time)
	bt.widen(parent, s.Start, s.End)
}

// setUsage fills the attributes of an llm_request span from the copy of
// the response the store keeps (transcript.PreferUsage).
func setUsage(s *Span, f *facts.Fact) {
	u := f.Usage
	s.set(AttrGenAIOperation, OpChat)
	s.set(AttrGenAIProvider, ProviderName)
	s.set(AttrGenAIRequestModel, f.Model)
	s.set(AttrGenAIResponseModel, f.Model)
	s.set(AttrGenAIResponseID, f.MessageID)
	s.set(AttrGenAIInputTokens, u.Input+u.CacheRead+u.CacheCreation())
	s.set(AttrGenAIOutputTokens, u.Output)
	s.set(AttrGenAICacheRead, u.CacheRead)
	s.set(AttrGenAICacheCreation, u.CacheCreation())
	s.set(AttrModel, f.Model)
	if f.RequestID != "" {
		s.set(AttrRequestID, f.RequestID)
	}
	s.set(AttrInputTokens, u.Input)
	s.set(AttrOutputTokens, u.Output)
	s.set(AttrCacheRead, u.CacheRead)
	s.set(AttrCacheCreation, u.CacheCreation())
	s.set(AttrCostUSD, float64(f.CostNanos)/1e9)
	s.set(AttrCostNanos, f.CostNanos)
	if f.Speed != "" {
		s.set(AttrSpeed, f.Speed)
	}
	s.set(AttrQuerySource, querySource(f))
	if f.AgentID != "" {
		s.set(AttrAgentID, f.AgentID)
	}
}

func querySource(f *facts.Fact) string {
	if isChild(f) {
		return "subagent"
	}
	return "main"
}

type textPayload struct {
	Text string `json:"text"`
}

var apiStatusRE = regexp.MustCompile(`API Error: (\d{3})\b`)

// maxStatusMsg bounds the span status message (an API error text).
const maxStatusMsg = 256

// apiError emits a failed API request (status ERROR).
func (bt *batch) apiError(f *facts.Fact) {
	uuid := strings.TrimPrefix(f.Key, "apierr:")
	if uuid == "" {
		return
	}
	parent := bt.parentOf(f)
	s, created := bt.start(APIErrorSpanID(uuid), parent, SpanLLMRequest, f)
	if !created {
		return
	}
	s.Kind = KindClient
	s.Start = bt.requestStart(f)
	sessionAttrs(s, f, f.SessionID, f.SessionType)
	s.set(AttrGenAIOperation, OpChat)
	s.set(AttrGenAIProvider, ProviderName)
	if f.Model != "" {
		s.set(AttrGenAIRequestModel, f.Model)
		s.set(AttrModel, f.Model)
	}
	if f.RequestID != "" {
		s.set(AttrRequestID, f.RequestID)
	}
	s.set(AttrSuccess, false)
	s.set(AttrQuerySource, querySource(f))
	s.Status = StatusError
	errType := "api_error"
	var p textPayload
	if f.Payload != "" && json.Unmarshal([]byte(f.Payload), &p) == nil && p.Text != "" {
		if m := apiStatusRE.FindStringSubmatch(p.Text); m != nil {
			errType = m[1] // the HTTP status, as semconv's error.type suggests
		}
		s.StatusMsg = truncate(p.Text, maxStatusMsg)
	}
	s.set(AttrErrorType, errType)
	bt.widen(parent, s.Start, s.End)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
