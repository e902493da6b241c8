package store

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// bucketSeconds is the storage grain of event times: 15 minutes, because
// every IANA UTC offset in use is a multiple of it, so a 15-minute bucket
// never straddles a local hour, day or week boundary.
const bucketSeconds = 15 * 60

// unixMs is the stored form of a time; the zero time (unknown) is stored as 0.
func unixMs(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// bucketOf returns the 15-minute bucket (unix seconds) of a unix-ms time.
func bucketOf(ms int64) int64 {
	return floorDiv(ms, bucketSeconds*1000) * bucketSeconds
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// eventRow is one telemetry_events row.
type eventRow struct {
	key, event                         string
	occurredAt, bucket                 int64
	sessionID, parentID, rootID, stype string
	project, model, toolName, toolUse  string
	agentID                            string
	isSidechain, isError               int64
	status                             string
	in, out, cacheCreate, cacheCreate1 int64
	cacheRead, costNanos, durationMs   int64
	rank, payload                      string
}

var eventColumns = []string{
	"fact_key", "event_name", "occurred_at", "bucket",
	"session_id", "parent_session_id", "root_session_id", "session_type",
	"project", "model", "tool_name", "tool_use_id", "agent_id",
	"is_sidechain", "is_error", "status",
	"tokens_input", "tokens_output", "tokens_cache_creation", "tokens_cache_creation_1h",
	"tokens_cache_read", "cost_nanos", "duration_ms",
	"dedup_rank", "payload_json",
}

func (r *eventRow) appendArgs(dst []any) []any {
	return append(dst,
		r.key, r.event, r.occurredAt, r.bucket,
		r.sessionID, r.parentID, r.rootID, r.stype,
		r.project, r.model, r.toolName, r.toolUse, r.agentID,
		r.isSidechain, r.isError, r.status,
		r.in, r.out, r.cacheCreate, r.cacheCreate1,
		r.cacheRead, r.costNanos, r.durationMs,
		r.rank, r.payload)
}

func newEventRow(f *facts.Fact) eventRow {
	at := unixMs(f.Time)
	r := eventRow{
		key:          f.Key,
		event:        f.Event,
		occurredAt:   at,
		bucket:       bucketOf(at),
		sessionID:    f.SessionID,
		parentID:     f.ParentSessionID,
		rootID:       f.RootSessionID,
		stype:        f.SessionType,
		project:      f.Project,
		model:        f.Model,
		toolName:     f.ToolName,
		toolUse:      f.ToolUseID,
		agentID:      f.AgentID,
		isSidechain:  boolInt(f.IsSidechain),
		isError:      boolInt(f.IsError),
		status:       f.Status,
		in:           f.Usage.Input,
		out:          f.Usage.Output,
		cacheCreate:  f.Usage.CacheCreation(),
		cacheCreate1: f.Usage.CacheCreate1h,
		cacheRead:    f.Usage.CacheRead,
		costNanos:    f.CostNanos,
		durationMs:   f.DurationMs,
		payload:      payloadJSON(f),
	}
	r.rank = dedupRank(&r, f.Usage.Total())
	return r
}

// dedupRank orders the stored copies of one key; a new copy replaces the
// stored one only when its rank differs (non-API facts: replace on change)
// or is greater (API requests). The rank is a fixed-width ASCII string so
// SQLite (BINARY) and PostgreSQL (COLLATE "C") compare it the same way.
//
// For claude_code.api_request it encodes ccusage's keep-max rule
// (transcript-format.md §4.2): prefer the non-sidechain copy, then the larger
// token total, then the larger cost. On a full tie ccusage keeps the copy it
// saw first, and it reads a file's lines in order, so the earlier line wins
// here: its time is the day (hour) the usage counts on, and streamed blocks
// of one response with equal usage can straddle midnight. Last comes a hash
// of the whole row, so the winner never depends on arrival order.
func dedupRank(r *eventRow, total int64) string {
	h := rowHash(r)
	if r.event != facts.EventAPIRequest {
		return string(appendPadded(nil, h, 20))
	}
	b := make([]byte, 0, 1+4*20)
	b = append(b, byte('1'-r.isSidechain)) // '1' = not sidechain, sorts higher
	b = appendPadded(b, nonNeg(total), 20)
	b = appendPadded(b, nonNeg(r.costNanos), 20)
	b = appendPadded(b, math.MaxInt64-nonNeg(r.occurredAt), 20) // earlier sorts higher
	b = appendPadded(b, h, 20)
	return string(b)
}

func nonNeg(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}

func appendPadded(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendUint(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// rowHash hashes the row's content without allocating. Strings are folded
// eight bytes at a time (an FNV-1a step on 64-bit words plus a shift to mix
// high bits down): payloads run to kilobytes, and a byte-at-a-time hash was
// a tenth of the cost of preparing a row. Every step is a bijection of the
// word, so rows that differ in one word never collide.
func rowHash(r *eventRow) uint64 {
	h := uint64(14695981039346656037)
	for _, s := range [...]string{r.event, r.sessionID, r.parentID, r.rootID, r.stype, r.project,
		r.model, r.toolName, r.toolUse, r.agentID, r.status, r.payload} {
		h = hashString(h, s)
	}
	for _, v := range [...]int64{r.occurredAt, r.isSidechain, r.isError, r.in, r.out, r.cacheCreate,
		r.cacheCreate1, r.cacheRead, r.costNanos, r.durationMs} {
		h = hashWord(h, uint64(v))
	}
	return h
}

func hashWord(h, w uint64) uint64 {
	const prime = 1099511628211
	h = (h ^ w) * prime
	return h ^ h>>32
}

// hashString folds s and its length into h; the length keeps ("ab", "c")
// and ("a", "bc") apart.
func hashString(h uint64, s string) uint64 {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		h = hashWord(h, uint64(s[i])|uint64(s[i+1])<<8|uint64(s[i+2])<<16|uint64(s[i+3])<<24|
			uint64(s[i+4])<<32|uint64(s[i+5])<<40|uint64(s[i+6])<<48|uint64(s[i+7])<<56)
	}
	var tail uint64
	for k := len(s) - 1; k >= i; k-- {
		tail = tail<<8 | uint64(s[k])
	}
	return hashWord(hashWord(h, tail), uint64(len(s)))
}

// payloadJSON keeps every fact field that has no column of its own, plus the
// fact's Payload, so telemetry_events is a full-fidelity copy of the fact.
// It is hand-encoded (fields in a fixed order, zero values omitted) because it
// runs once per stored row and encoding/json with reflection would dominate
// the write cost.
func payloadJSON(f *facts.Fact) string {
	b := make([]byte, 0, 64+len(f.Payload))
	b = append(b, '{')
	str := func(name, v string) {
		if v == "" {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = appendJSONString(b, v)
	}
	num := func(name string, v int64, set bool) {
		if !set {
			return
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, name)
		b = append(b, ':')
		b = strconv.AppendInt(b, v, 10)
	}
	str("agent_type", f.AgentType)
	str("cwd", f.Cwd)
	str("git_branch", f.GitBranch)
	str("version", f.Version)
	str("source_file", f.SourceFile)
	str("message_id", f.MessageID)
	str("request_id", f.RequestID)
	str("speed", f.Speed)
	if f.ExitCode != nil {
		num("exit_code", *f.ExitCode, true)
	}
	str("failure_class", f.FailureClass)
	str("commit_sha", f.CommitSHA)
	num("pr_number", f.PRNumber, f.PRNumber != 0)
	str("pr_url", f.PRURL)
	str("file_path", f.FilePath)
	num("additions", f.Additions, f.Additions != 0)
	num("deletions", f.Deletions, f.Deletions != 0)
	str("skill_name", f.SkillName)
	num("first_time_ms", unixMs(f.FirstTime), !f.FirstTime.IsZero())
	num("last_time_ms", unixMs(f.LastTime), !f.LastTime.IsZero())
	if f.Payload != "" {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, "payload")
		b = append(b, ':')
		if jsonValid(f.Payload) {
			b = append(b, f.Payload...)
		} else {
			b = appendJSONString(b, f.Payload)
		}
	}
	b = append(b, '}')
	// b is never written again: hand it over without copying, as
	// strings.Builder does.
	return unsafe.String(unsafe.SliceData(b), len(b))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i = skipPlainASCII(s, i); i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
