package traces

import (
	"crypto/sha256"
	"encoding/hex"
)

// TraceID and SpanID are W3C trace-context identifiers (16 and 8 bytes),
// the same layout as pcommon.TraceID / pcommon.SpanID.
type (
	TraceID [16]byte
	SpanID  [8]byte
)

// IsEmpty reports whether id is all zero (no parent).
func (id SpanID) IsEmpty() bool { return id == SpanID{} }

func (id TraceID) String() string { return hex.EncodeToString(id[:]) }
func (id SpanID) String() string  { return hex.EncodeToString(id[:]) }

// Identifiers are SHA-256 hashes of a namespace and a transcript id, so they
// depend on transcript content only: a replay, a restart, a second collector
// reading a copy of the history, or an agent and a gateway all derive the
// same ids, and a parent's id can be computed by a span whose parent has
// not been seen (a subagent file read before the file that spawned it).
// The namespaces keep ids of different span kinds apart even when Claude
// Code reuses a string (a tool_use id is never a message id, but nothing
// in the format promises that).
const (
	nsTrace       = "ccdash.trace/"
	nsInteraction = "ccdash.span.interaction/" // + prompt line uuid
	nsLLM         = "ccdash.span.llm_request/" // + message.id
	nsAPIError    = "ccdash.span.api_error/"   // + assistant line uuid
	nsTool        = "ccdash.span.tool/"        // + tool_use id
	nsAgent       = "ccdash.span.agent/"       // + subagent session entity id
	nsCompaction  = "ccdash.span.compaction/"  // + compact_boundary uuid
)

// TraceIDFor is the trace of a root session: every prompt, request, tool
// call and subagent of the session thread shares it.
func TraceIDFor(rootSessionID string) TraceID {
	var id TraceID
	sum := sha256.Sum256([]byte(nsTrace + rootSessionID))
	copy(id[:], sum[:])
	return id
}

func spanID(ns, id string) SpanID {
	var s SpanID
	sum := sha256.Sum256([]byte(ns + id))
	copy(s[:], sum[:])
	if s.IsEmpty() { // all-zero is "no span"; 2^-64, but keep ids valid
		s[7] = 1
	}
	return s
}

// InteractionSpanID is the span of the user prompt line with this uuid.
func InteractionSpanID(promptUUID string) SpanID { return spanID(nsInteraction, promptUUID) }

// LLMRequestSpanID is the span of the API response with this message.id
// (all streaming splits and subagent copies of the response share it).
func LLMRequestSpanID(messageID string) SpanID { return spanID(nsLLM, messageID) }

// APIErrorSpanID is the span of a failed API request (<synthetic> or
// isApiErrorMessage line) with this line uuid.
func APIErrorSpanID(lineUUID string) SpanID { return spanID(nsAPIError, lineUUID) }

// ToolSpanID is the span of the tool call with this tool_use id. A subagent
// spawned by a Task/Agent call hangs below ToolSpanID(that call's id).
func ToolSpanID(toolUseID string) SpanID { return spanID(nsTool, toolUseID) }

// AgentSpanID is the interaction span of a subagent session entity
// (<root>/agent-<id>, <root>/sidechain-<key>): the subagent's requests and
// tool calls hang below it.
func AgentSpanID(sessionID string) SpanID { return spanID(nsAgent, sessionID) }

// CompactionSpanID is the span that carries a compaction whose interaction
// was emitted in an earlier batch.
func CompactionSpanID(boundaryUUID string) SpanID { return spanID(nsCompaction, boundaryUUID) }
