// Package facts defines the unit of data that flows from the transcript
// parser through the collector pipeline into the SQL store.
//
// A Fact is one observation taken from a Claude Code transcript (an API
// response's usage, a tool call, a commit, ...). Every fact carries a stable
// Key derived only from transcript content, so re-reading the same history
// produces the same keys and the store can upsert idempotently. Facts travel
// between components as OTLP log records (see internal/factlog) so an agent
// collector can forward them to a gateway unchanged.
//
// This package has no collector dependencies on purpose: the parser and the
// store both use it.
package facts

import "time"

// Event names. Claude Code's native OTel event names are used where an
// equivalent exists (see shared/reference/native-otel.md) and ccdash.* for
// the rest.
const (
	EventAPIRequest     = "claude_code.api_request"     // one de-duplicated API response with usage
	EventAPIError       = "claude_code.api_error"       // <synthetic> / isApiErrorMessage lines
	EventUserPrompt     = "claude_code.user_prompt"     // a prompt typed by the human
	EventToolResult     = "claude_code.tool_result"     // the result of a tool call
	EventCompaction     = "claude_code.compaction"      // system/compact_boundary
	EventSkillActivated = "claude_code.skill_activated" // Skill tool_use
	EventSubagentLinked = "claude_code.subagent_completed"
	EventToolUse        = "ccdash.tool_use"        // the start of a tool call
	EventSession        = "ccdash.session"         // session/subagent identity and time span
	EventCommit         = "ccdash.commit"          // a successful git commit made in the session
	EventPullRequest    = "ccdash.pull_request"    // a PR opened in the session
	EventFileUpdate     = "ccdash.file_update"     // a file written/edited by a tool
	EventHook           = "ccdash.hook"            // one hook execution (hook_progress, stop_hook_summary, hook_* attachments)
	EventIngestProgress = "ccdash.ingest.progress" // receiver progress, stored for /status
	EventTaskStatus     = "ccdash.task.status"     // a task's status read from a progress file (and its transitions)
	EventFeature        = "ccdash.feature"         // a feature (progress folder) and its front matter
	EventLink           = "ccdash.link"            // an association found by the correlation processor
	EventRollup         = "ccdash.rollup"          // a calendar window total from the rollup processor (internal/rolluplog); not a fact
)

// Entity types of links (EventLink LinkFromType / LinkToType).
const (
	EntityFeature     = "feature"
	EntityTask        = "task"
	EntitySession     = "session"
	EntityCommit      = "commit"
	EntityPullRequest = "pr"
)

// Link sources: explicit evidence (front-matter session_id, a task id in a
// commit subject or branch name, an edit of the feature's progress file)
// versus inferred (reads/greps of feature paths, task ids in prompts).
const (
	LinkExplicit = "explicit"
	LinkInferred = "inferred"
)

// Session types.
const (
	SessionMain       = "main"
	SessionSubagent   = "subagent"
	SessionCompaction = "compaction"
	SessionSidechain  = "sidechain" // 1.x inline subagent conversation
)

// Usage holds the token counts of one API response, as Anthropic reports
// them: Input excludes cached tokens.
type Usage struct {
	Input         int64
	Output        int64
	CacheCreate5m int64 // cache writes with 5 minute TTL (or flat cache_creation_input_tokens)
	CacheCreate1h int64 // cache writes with 1 hour TTL
	CacheRead     int64
}

// CacheCreation is the total of cache writes, both TTLs.
func (u Usage) CacheCreation() int64 { return u.CacheCreate5m + u.CacheCreate1h }

// Total is what ccusage compares when two copies of one response collide.
func (u Usage) Total() int64 { return u.Input + u.Output + u.CacheCreation() + u.CacheRead }

// Fact is one observation. Only the fields that make sense for Event are set;
// zero values mean "unknown" and are not transmitted.
type Fact struct {
	Key   string    // stable unique key; the store upserts on it
	Event string    // one of the Event* constants
	Time  time.Time // event time (transcript timestamp), UTC

	// Where it happened.
	SessionID       string // ccdash session entity id (subagents are namespaced: <parent>/agent-<id>)
	ParentSessionID string // for subagents: the spawning session entity
	RootSessionID   string // the top-level session of the thread
	SessionType     string // Session* constant
	AgentID         string // Claude Code agentId of a subagent
	AgentType       string // subagent_type / meta agentType
	Project         string // project path (cwd of the session's first line, else slug)
	Cwd             string
	GitBranch       string
	Version         string // Claude Code version
	SourceFile      string // transcript path, for troubleshooting

	// API usage (EventAPIRequest).
	Model       string
	MessageID   string
	RequestID   string
	IsSidechain bool
	Speed       string // "fast" or ""
	Usage       Usage
	CostNanos   int64 // cost in 1e-9 USD; integer so sums are exact on every database

	// Tool calls (EventToolUse / EventToolResult / EventSkillActivated).
	ToolName     string
	ToolUseID    string
	IsError      bool
	ExitCode     *int64
	FailureClass string
	DurationMs   int64
	// InputHash identifies the tool input (tool name + canonical input JSON,
	// see transcript.InputHash) so re-issues of the same call can be found
	// without storing the input itself. CommandClass is the Bash command's
	// kind: test, lint, build or other (transcript.ClassifyCommand).
	InputHash    string
	CommandClass string

	// Commits, PRs, files.
	CommitSHA string
	PRNumber  int64
	PRURL     string
	FilePath  string
	Additions int64
	Deletions int64
	SkillName string
	FirstTime time.Time // EventSession: first line time seen in this batch
	LastTime  time.Time // EventSession: last line time seen in this batch
	Status    string    // free-form status (tool: ok|error, session: ..., task: normalized status)

	// Features, tasks and correlation keys (progress files, correlation processor).
	FeatureID string // ccdash.feature.id
	TaskID    string // ccdash.task.id
	Phase     string // ccdash.phase
	Title     string // task or feature title

	// Links (EventLink): LinkFromType/LinkFromID → LinkToType/LinkToID.
	LinkFromType string // Entity* constant
	LinkFromID   string
	LinkToType   string // Entity* constant
	LinkToID     string
	Confidence   float64 // 0..1
	LinkSource   string  // LinkExplicit | LinkInferred
	Ambiguity    float64 // this link's share when the evidence matched several entities (1/n), else 1

	// Host is the host.name resource attribute of the collector that read the
	// fact (agent → gateway: tells machines apart). Not part of the key.
	Host       string
	Payload    string // JSON with the remaining details (full fidelity unless redacted)
	IngestInfo *IngestProgress

	// Native is set on facts translated from Claude Code's own OTLP events
	// (internal/native), nil on transcript facts. The store keeps these in
	// native_events and counts a native API request only until a transcript
	// copy with the same request id arrives.
	Native *NativeInfo
}

// NativeInfo holds what a native Claude Code event adds to the transcript's
// view of the same request, tool call or prompt (reference/native-otel.md §1.5).
type NativeInfo struct {
	Event          string // bare native event name: api_request, tool_result, tool_decision, ...
	JoinKey        string // request_id, tool_use_id or message.uuid shared with the transcript
	PromptID       string
	CostNanos      int64 // cost_usd as Claude Code computed it, in 1e-9 USD
	DurationMs     int64
	Success        *bool
	Decision       string // tool_decision decision / tool_result decision_type
	DecisionSource string
	Error          string // error_type, or error when given
	StatusCode     int64
	Attempt        int64
}

// IngestProgress is the receiver's view of its own progress. It travels as
// a fact so the API can report it from persisted data only.
type IngestProgress struct {
	Reporter         string // host + receiver id
	BackfillComplete bool
	FilesTotal       int64
	FilesCaughtUp    int64
	LinesRead        int64
	BadLines         int64
	BytesRead        int64
	LagSeconds       float64
}
