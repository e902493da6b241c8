// Package native translates Claude Code's own OpenTelemetry events
// (CLAUDE_CODE_ENABLE_TELEMETRY=1, log records named claude_code.*; see
// reference/native-otel.md §1.5) into facts, so the collector can store them
// next to the facts it reads from transcripts.
//
// The transcript stays the authority for usage: a native
// claude_code.api_request fact is stored as a usage row only until a
// transcript copy of the same request (same request_id = requestId) is
// stored, and the native-only fields (Claude Code's own cost_usd,
// duration_ms, tool decisions, ...) are kept in the store's native_events
// table keyed by the id they share with the transcript: request_id,
// tool_use_id or message.uuid.
//
// The package has no collector dependencies: the exporter converts OTLP log
// records into Records.
package native

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/pricing"
)

// Prefix is the prefix of every native event name.
const Prefix = "claude_code."

// KeyPrefix starts the fact key of every native fact. Transcript fact keys
// never start with it, so native and transcript facts cannot overwrite each
// other in telemetry_events.
const KeyPrefix = "native:"

// RequestKey is the fact key of the native claude_code.api_request with the
// given request_id: the store derives it from a transcript fact's RequestID
// to retire the native usage row once the transcript copy is stored.
func RequestKey(requestID string) string { return KeyPrefix + "api_request:" + requestID }

// Record is one native log record in plain Go form: attribute values are
// string, bool, int64, float64 (as pcommon.Map.AsRaw gives them) or
// anything else, which is ignored.
type Record struct {
	Body      string // "claude_code.api_request" (native records put the name in the body)
	EventName string // the record's EventName field, if set
	Time      time.Time
	Attrs     map[string]any
	Host      string // resource host.name, if any
}

// Name returns the record's native event name ("claude_code.api_request"),
// or "" if the record is not a native Claude Code event. Native records put
// the prefixed name in the body and the bare name in the event.name
// attribute; newer SDKs also set the record's EventName.
func Name(r *Record) string {
	for _, n := range []string{r.EventName, r.Body} {
		if strings.HasPrefix(n, Prefix) && len(n) > len(Prefix) {
			return n
		}
	}
	if n, ok := r.Attrs["event.name"].(string); ok && n != "" {
		if strings.HasPrefix(n, Prefix) {
			return n
		}
		if !strings.Contains(n, ".") {
			return Prefix + n
		}
	}
	return ""
}

// Translator turns native records into facts.
type Translator struct {
	pricing *pricing.Table
}

// New returns a Translator that prices native-only usage with p (nil:
// pricing.Default()), the same table the transcript facts are priced with,
// so totals do not depend on which source a request came from.
func New(p *pricing.Table) *Translator {
	if p == nil {
		p = pricing.Default()
	}
	return &Translator{pricing: p}
}

// Translate converts r into a fact. ok is false for records that are not
// native Claude Code events.
func (t *Translator) Translate(r *Record) (f facts.Fact, ok bool) {
	name := Name(r)
	if name == "" {
		return f, false
	}
	event := strings.TrimPrefix(name, Prefix)
	a := attrs(r.Attrs)

	f.Event = name
	f.Time = r.Time
	if f.Time.IsZero() {
		f.Time = a.time("event.timestamp")
	}
	f.Time = f.Time.UTC()
	f.Host = r.Host
	f.SessionID = a.str("session.id")
	if f.SessionID != "" {
		// Native events are reported under the top-level session id, which is
		// the transcript's main session entity.
		f.RootSessionID = f.SessionID
		f.SessionType = facts.SessionMain
	}
	f.Version = a.str("app.version")
	f.Model = a.str("model")
	f.RequestID = a.str("request_id")
	f.ToolName = a.str("tool_name")
	f.ToolUseID = a.str("tool_use_id")
	f.SkillName = a.str("skill.name")
	// agent.name stays in the payload: native events carry the top-level
	// session id, whose session row must not take a subagent's type.

	n := &facts.NativeInfo{
		Event:          event,
		PromptID:       a.str("prompt.id"),
		DurationMs:     a.int("duration_ms"),
		Decision:       firstNonEmpty(a.str("decision"), a.str("decision_type")),
		DecisionSource: firstNonEmpty(a.str("source"), a.str("decision_source")),
		Error:          firstNonEmpty(a.str("error_type"), a.str("error")),
		StatusCode:     a.int("status_code"),
		Attempt:        a.int("attempt"),
	}
	if b, ok := a.bool("success"); ok {
		n.Success = &b
	}
	if micros, ok := a.num("cost_usd_micros"); ok {
		n.CostNanos = int64(math.Round(micros * 1e3))
	} else if usd, ok := a.num("cost_usd"); ok {
		n.CostNanos = int64(math.Round(usd * 1e9))
	}
	f.DurationMs = n.DurationMs
	f.Native = n

	switch event {
	case "api_request", "api_error", "api_refusal", "assistant_response",
		"api_request_body", "api_response_body", "api_retries_exhausted":
		n.JoinKey = f.RequestID
	case "tool_result", "tool_decision":
		n.JoinKey = f.ToolUseID
	case "user_prompt":
		n.JoinKey = firstNonEmpty(a.str("message.uuid"), n.PromptID)
	}
	if n.JoinKey == "" {
		n.JoinKey = a.str("message.uuid")
	}
	if event == "api_request" {
		f.Usage = facts.Usage{
			Input:         a.int("input_tokens"),
			Output:        a.int("output_tokens"),
			CacheRead:     a.int("cache_read_tokens"),
			CacheCreate5m: a.int("cache_creation_tokens"), // no TTL split natively: 5m, as ccusage does for a flat count
		}
		if a.str("speed") == "fast" {
			f.Speed = "fast"
		}
		cost, priced := t.pricing.Cost(f.Model, f.Usage, f.Speed)
		f.CostNanos = cost
		if !priced {
			f.Status = "unpriced"
		}
	}
	if f.ToolName != "" && n.Success != nil && !*n.Success {
		f.IsError = true
	}

	join := n.JoinKey
	if join == "" {
		// No id shared with the transcript: the record is still stored once,
		// keyed by its position in the session (event.sequence is monotonic
		// within a session) or, without one, by its content.
		if seq := a.str("event.sequence"); seq != "" && f.SessionID != "" {
			join = "seq:" + f.SessionID + ":" + seq
		} else {
			join = "hash:" + a.hash(name, f.Time)
		}
	}
	f.Key = KeyPrefix + event + ":" + join
	f.Payload = a.json()
	return f, true
}

// IsUsage reports whether the store counts f as an API request until a
// transcript copy arrives: a native api_request that carries a request_id.
// Without one it could never be matched with its transcript copy, so it is
// kept in native_events only and never counted.
func IsUsage(f *facts.Fact) bool {
	return f.Native != nil && f.Event == facts.EventAPIRequest && f.RequestID != ""
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// attrs reads attribute values leniently: Claude Code has sent numbers both
// as numbers and as strings across versions, and an OTLP/JSON hop may turn
// an int into a double.
type attrs map[string]any

func (a attrs) str(k string) string {
	switch v := a[k].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func (a attrs) num(k string) (float64, bool) {
	switch v := a[k].(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, !math.IsNaN(v) && !math.IsInf(v, 0)
	case string:
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
	}
	return 0, false
}

// int returns a non-negative integer attribute, 0 when absent or invalid.
func (a attrs) int(k string) int64 {
	x, ok := a.num(k)
	if !ok || x < 0 || x > math.MaxInt64/2 {
		return 0
	}
	return int64(math.Round(x))
}

func (a attrs) bool(k string) (bool, bool) {
	switch v := a[k].(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}

func (a attrs) time(k string) time.Time {
	if s := a.str(k); s != "" {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// hash is a content hash of the record, for records with no id at all.
func (a attrs) hash(name string, t time.Time) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d\x00%s", name, t.UnixNano(), a.json())
	return strconv.FormatUint(h.Sum64(), 16)
}

// json renders the attributes as a JSON object with sorted keys, so the same
// record always gives the same payload (the store's replace-on-change rule
// compares payloads).
func (a attrs) json() string {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(k))
		b.WriteByte(':')
		switch v := a[k].(type) {
		case string:
			b.WriteString(jsonString(v))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case float64:
			if math.IsNaN(v) || math.IsInf(v, 0) {
				b.WriteString("null")
			} else {
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
		default:
			b.WriteString(jsonString(fmt.Sprint(v)))
		}
	}
	b.WriteByte('}')
	return b.String()
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals; invalid UTF-8 becomes U+FFFD
	return string(b)
}
