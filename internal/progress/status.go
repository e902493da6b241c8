package progress

import "strings"

// Normalized task statuses. Deferred is its own bucket: a deferred task is
// neither done nor pending, and completion is done / (total - deferred).
const (
	StatusDone       = "done"
	StatusDeferred   = "deferred"
	StatusInProgress = "in_progress"
	StatusBlocked    = "blocked"
	StatusPending    = "pending"
	StatusUnknown    = "unknown"
)

// Statuses lists the normalized statuses in lifecycle order (used as the
// deterministic tie-break when two observations share a timestamp: the later
// in this list wins).
var Statuses = []string{StatusUnknown, StatusPending, StatusInProgress, StatusBlocked, StatusDeferred, StatusDone}

// statusMap is the explicit normalization table. Keys are raw statuses after
// canonicalize (lower case, '_' and ' ' written as '-'), so "in_progress",
// "In Progress" and "in-progress" are one entry. The synonyms beyond the
// project's own vocabulary (defer, postponed, won't-do) are the ones CCDash's
// progress parser accepts.
var statusMap = map[string]string{
	"done":        StatusDone,
	"completed":   StatusDone,
	"complete":    StatusDone,
	"deferred":    StatusDeferred,
	"defer":       StatusDeferred,
	"postponed":   StatusDeferred,
	"skipped":     StatusDeferred,
	"wont-do":     StatusDeferred,
	"won't-do":    StatusDeferred,
	"in-progress": StatusInProgress,
	"blocked":     StatusBlocked,
	"pending":     StatusPending,
	"planning":    StatusPending,
	"not-started": StatusPending,
}

func canonicalize(raw string) string {
	s := strings.ToLower(strings.TrimSpace(raw))
	return strings.NewReplacer("_", "-", " ", "-").Replace(s)
}

// NormalizeStatus maps a raw status to one of the Status* constants. Anything
// not in the table (including an empty status) is StatusUnknown: it is
// counted under "unknown", never dropped and never guessed to be done.
func NormalizeStatus(raw string) string {
	if s, ok := statusMap[canonicalize(raw)]; ok {
		return s
	}
	return StatusUnknown
}

// StatusRank is the position of a normalized status in Statuses (-1 if it is
// not one of them).
func StatusRank(status string) int {
	for i, s := range Statuses {
		if s == status {
			return i
		}
	}
	return -1
}

// TaskPayload is the JSON payload of a task-status fact: what the fact's
// own fields do not carry. The store reads CompletedAtMs from it.
type TaskPayload struct {
	RawStatus         string   `json:"raw_status"`
	SessionIDs        []string `json:"session_ids,omitempty"`         // the task's own session_id(s)
	FeatureSessionIDs []string `json:"feature_session_ids,omitempty"` // the document's session_id(s)
	Started           string   `json:"started,omitempty"`             // as written
	Completed         string   `json:"completed,omitempty"`           // as written
	CompletedAtMs     int64    `json:"completed_at_ms,omitempty"`     // Completed parsed (unix ms, UTC if no zone), when done
	PreviousStatus    string   `json:"previous_status,omitempty"`     // the status the receiver saw before, if any
}
