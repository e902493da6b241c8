package synth

import "encoding/json"

// The structs below mirror the JSON lines Claude Code 2.1.3x writes. Go
// marshals struct fields in declaration order, so each struct lists its
// fields in the order they appear in the real transcripts of
// shared/corpus/public/marot__spotter (2.1.38/2.1.39). Keep it that way:
// parsers are tested against what real files look like, key order included
// (ccusage, for one, pre-filters lines on the substring `"usage":{`).

var emptyArray = json.RawMessage("[]")

// envelope holds the fields every conversation line starts with.
type envelope struct {
	ParentUUID  *string `json:"parentUuid"`
	IsSidechain bool    `json:"isSidechain"`
	UserType    string  `json:"userType"`
	CWD         string  `json:"cwd"`
	SessionID   string  `json:"sessionId"`
	Version     string  `json:"version"`
	GitBranch   string  `json:"gitBranch"`
	AgentID     string  `json:"agentId,omitempty"` // subagent files only
	Slug        string  `json:"slug,omitempty"`
}

type assistantLine struct {
	envelope
	Message           *apiMessage `json:"message"`
	RequestID         string      `json:"requestId,omitempty"` // absent on <synthetic> lines
	Type              string      `json:"type"`
	UUID              string      `json:"uuid"`
	Timestamp         string      `json:"timestamp"`
	IsAPIErrorMessage bool        `json:"isApiErrorMessage,omitempty"`
}

type apiMessage struct {
	Model        string  `json:"model"`
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Content      []any   `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        any     `json:"usage"` // *usagePartial or *usageFinal
}

type cacheCreation5m1h struct {
	Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
	Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
}

type cacheCreation1h5m struct {
	Ephemeral1h int64 `json:"ephemeral_1h_input_tokens"`
	Ephemeral5m int64 `json:"ephemeral_5m_input_tokens"`
}

// usagePartial is the usage written on the content-block lines of a
// streamed response (message_start: output_tokens is a running value).
type usagePartial struct {
	InputTokens              int64             `json:"input_tokens"`
	CacheCreationInputTokens int64             `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64             `json:"cache_read_input_tokens"`
	CacheCreation            cacheCreation5m1h `json:"cache_creation"`
	OutputTokens             int64             `json:"output_tokens"`
	ServiceTier              string            `json:"service_tier"`
	InferenceGeo             string            `json:"inference_geo"`
}

type serverToolUse struct {
	WebSearchRequests int `json:"web_search_requests"`
	WebFetchRequests  int `json:"web_fetch_requests"`
}

// usageFinal is the usage of the last line of a response (message_delta
// merged in: final output_tokens, different key order, server_tool_use).
type usageFinal struct {
	InputTokens              int64             `json:"input_tokens"`
	CacheCreationInputTokens int64             `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64             `json:"cache_read_input_tokens"`
	OutputTokens             int64             `json:"output_tokens"`
	ServerToolUse            serverToolUse     `json:"server_tool_use"`
	ServiceTier              string            `json:"service_tier"`
	CacheCreation            cacheCreation1h5m `json:"cache_creation"`
	InferenceGeo             string            `json:"inference_geo"`
	Iterations               json.RawMessage   `json:"iterations"`
}

type textBlock struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type thinkingBlock struct {
	Type      string `json:"type"`
	Thinking  string `json:"thinking"`
	Signature string `json:"signature"`
}

type caller struct {
	Type string `json:"type"`
}

type toolUseBlock struct {
	Type   string  `json:"type"`
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Input  any     `json:"input"`
	Caller *caller `json:"caller,omitempty"` // main-thread lines only
}

type toolResultBlock struct {
	ToolUseID string `json:"tool_use_id"`
	Type      string `json:"type"`
	Content   any    `json:"content"` // string or []textBlock
	IsError   *bool  `json:"is_error,omitempty"`
}

type userMessage struct {
	Role    string `json:"role"`
	Content any    `json:"content"` // string or []block
}

type thinkingMetadata struct {
	MaxThinkingTokens int `json:"maxThinkingTokens"`
}

type userLine struct {
	envelope
	Type                    string            `json:"type"`
	Message                 userMessage       `json:"message"`
	IsMeta                  bool              `json:"isMeta,omitempty"`
	IsCompactSummary        bool              `json:"isCompactSummary,omitempty"`
	IsVisibleInTranscript   bool              `json:"isVisibleInTranscriptOnly,omitempty"`
	UUID                    string            `json:"uuid"`
	Timestamp               string            `json:"timestamp"`
	ThinkingMetadata        *thinkingMetadata `json:"thinkingMetadata,omitempty"`
	Todos                   json.RawMessage   `json:"todos,omitempty"`
	PermissionMode          string            `json:"permissionMode,omitempty"`
	ToolUseResult           any               `json:"toolUseResult,omitempty"`
	SourceToolAssistantUUID string            `json:"sourceToolAssistantUUID,omitempty"`
}

type hookProgressData struct {
	Type      string `json:"type"`
	HookEvent string `json:"hookEvent"`
	HookName  string `json:"hookName"`
	Command   string `json:"command"`
}

type bashProgressData struct {
	Type               string `json:"type"`
	Output             string `json:"output"`
	FullOutput         string `json:"fullOutput"`
	ElapsedTimeSeconds int    `json:"elapsedTimeSeconds"`
	TotalLines         int    `json:"totalLines"`
	TimeoutMs          int    `json:"timeoutMs,omitempty"`
}

// progressLine is hook_progress / bash_progress.
type progressLine struct {
	envelope
	Type            string `json:"type"`
	Data            any    `json:"data"`
	ParentToolUseID string `json:"parentToolUseID"`
	ToolUseID       string `json:"toolUseID"`
	Timestamp       string `json:"timestamp"`
	UUID            string `json:"uuid"`
}

// agentProgressLine copies one subagent message into the parent transcript.
type agentProgressLine struct {
	envelope
	Type            string            `json:"type"`
	Data            agentProgressData `json:"data"`
	ToolUseID       string            `json:"toolUseID"`
	ParentToolUseID string            `json:"parentToolUseID"`
	UUID            string            `json:"uuid"`
	Timestamp       string            `json:"timestamp"`
}

type agentProgressData struct {
	Message            any             `json:"message"` // *copiedUser or *copiedAssistant
	NormalizedMessages json.RawMessage `json:"normalizedMessages"`
	Type               string          `json:"type"`
	Prompt             string          `json:"prompt"`
	AgentID            string          `json:"agentId"`
}

type copiedUser struct {
	Type          string      `json:"type"`
	Message       userMessage `json:"message"`
	UUID          string      `json:"uuid"`
	Timestamp     string      `json:"timestamp"`
	ToolUseResult any         `json:"toolUseResult,omitempty"`
}

type copiedAssistant struct {
	Type      string      `json:"type"`
	Timestamp string      `json:"timestamp"`
	Message   *apiMessage `json:"message"`
	RequestID string      `json:"requestId"`
	UUID      string      `json:"uuid"`
}

type hookInfo struct {
	Command string `json:"command"`
}

type stopHookSummaryLine struct {
	envelope
	Type                  string          `json:"type"`
	Subtype               string          `json:"subtype"`
	HookCount             int             `json:"hookCount"`
	HookInfos             []hookInfo      `json:"hookInfos"`
	HookErrors            json.RawMessage `json:"hookErrors"`
	PreventedContinuation bool            `json:"preventedContinuation"`
	StopReason            string          `json:"stopReason"`
	HasOutput             bool            `json:"hasOutput"`
	Level                 string          `json:"level"`
	Timestamp             string          `json:"timestamp"`
	UUID                  string          `json:"uuid"`
	ToolUseID             string          `json:"toolUseID"`
}

type turnDurationLine struct {
	envelope
	Type       string `json:"type"`
	Subtype    string `json:"subtype"`
	DurationMs int64  `json:"durationMs"`
	Timestamp  string `json:"timestamp"`
	UUID       string `json:"uuid"`
	IsMeta     bool   `json:"isMeta"`
}

type localCommandLine struct {
	envelope
	Type      string `json:"type"`
	Subtype   string `json:"subtype"`
	Content   string `json:"content"`
	Level     string `json:"level"`
	Timestamp string `json:"timestamp"`
	UUID      string `json:"uuid"`
	IsMeta    bool   `json:"isMeta"`
}

type compactMetadata struct {
	Trigger   string `json:"trigger"`
	PreTokens int64  `json:"preTokens"`
}

type compactBoundaryLine struct {
	ParentUUID        *string         `json:"parentUuid"`
	LogicalParentUUID string          `json:"logicalParentUuid"`
	IsSidechain       bool            `json:"isSidechain"`
	UserType          string          `json:"userType"`
	CWD               string          `json:"cwd"`
	SessionID         string          `json:"sessionId"`
	Version           string          `json:"version"`
	GitBranch         string          `json:"gitBranch"`
	Slug              string          `json:"slug,omitempty"`
	Type              string          `json:"type"`
	Subtype           string          `json:"subtype"`
	Content           string          `json:"content"`
	IsMeta            bool            `json:"isMeta"`
	Timestamp         string          `json:"timestamp"`
	UUID              string          `json:"uuid"`
	Level             string          `json:"level"`
	CompactMetadata   compactMetadata `json:"compactMetadata"`
}

type snapshot struct {
	MessageID          string          `json:"messageId"`
	TrackedFileBackups json.RawMessage `json:"trackedFileBackups"`
	Timestamp          string          `json:"timestamp"`
}

type fileHistorySnapshotLine struct {
	Type             string   `json:"type"`
	MessageID        string   `json:"messageId"`
	Snapshot         snapshot `json:"snapshot"`
	IsSnapshotUpdate bool     `json:"isSnapshotUpdate"`
}

type queueOperationLine struct {
	Type      string `json:"type"`
	Operation string `json:"operation"`
	Timestamp string `json:"timestamp"`
	SessionID string `json:"sessionId"`
	Content   string `json:"content,omitempty"`
}

type prLinkLine struct {
	Type         string `json:"type"`
	SessionID    string `json:"sessionId"`
	PrNumber     int    `json:"prNumber"`
	PrURL        string `json:"prUrl"`
	PrRepository string `json:"prRepository"`
	Timestamp    string `json:"timestamp"`
}

// toolUseResult shapes (§5 of transcript-format.md).

type bashResult struct {
	Stdout           string `json:"stdout"`
	Stderr           string `json:"stderr"`
	Interrupted      bool   `json:"interrupted"`
	IsImage          bool   `json:"isImage"`
	NoOutputExpected bool   `json:"noOutputExpected"`
}

type readFile struct {
	FilePath   string `json:"filePath"`
	Content    string `json:"content"`
	NumLines   int    `json:"numLines"`
	StartLine  int    `json:"startLine"`
	TotalLines int    `json:"totalLines"`
}

type readResult struct {
	Type string   `json:"type"`
	File readFile `json:"file"`
}

type patchHunk struct {
	OldStart int      `json:"oldStart"`
	OldLines int      `json:"oldLines"`
	NewStart int      `json:"newStart"`
	NewLines int      `json:"newLines"`
	Lines    []string `json:"lines"`
}

type editResult struct {
	FilePath        string      `json:"filePath"`
	OldString       string      `json:"oldString"`
	NewString       string      `json:"newString"`
	OriginalFile    string      `json:"originalFile"`
	StructuredPatch []patchHunk `json:"structuredPatch"`
	UserModified    bool        `json:"userModified"`
	ReplaceAll      bool        `json:"replaceAll"`
}

type writeResult struct {
	Type            string          `json:"type"`
	FilePath        string          `json:"filePath"`
	Content         string          `json:"content"`
	StructuredPatch json.RawMessage `json:"structuredPatch"`
	OriginalFile    *string         `json:"originalFile"`
}

type grepResult struct {
	Mode      string   `json:"mode"`
	Filenames []string `json:"filenames"`
	NumFiles  int      `json:"numFiles"`
	Content   string   `json:"content,omitempty"`
	NumLines  int      `json:"numLines,omitempty"`
}

type globResult struct {
	Filenames  []string `json:"filenames"`
	DurationMs int      `json:"durationMs"`
	NumFiles   int      `json:"numFiles"`
	Truncated  bool     `json:"truncated"`
}

type taskResult struct {
	Status            string      `json:"status"`
	Prompt            string      `json:"prompt"`
	AgentID           string      `json:"agentId"`
	Content           []textBlock `json:"content"`
	TotalDurationMs   int64       `json:"totalDurationMs"`
	TotalTokens       int64       `json:"totalTokens"`
	TotalToolUseCount int         `json:"totalToolUseCount"`
	Usage             *usageFinal `json:"usage"`
}

// Tool inputs.

type bashInput struct {
	Command         string `json:"command"`
	Description     string `json:"description,omitempty"`
	Timeout         int    `json:"timeout,omitempty"`
	RunInBackground bool   `json:"run_in_background,omitempty"`
}

type readInput struct {
	FilePath string `json:"file_path"`
	Offset   int    `json:"offset,omitempty"`
	Limit    int    `json:"limit,omitempty"`
}

type editInput struct {
	FilePath   string `json:"file_path"`
	OldString  string `json:"old_string"`
	NewString  string `json:"new_string"`
	ReplaceAll bool   `json:"replace_all,omitempty"`
}

type writeInput struct {
	FilePath string `json:"file_path"`
	Content  string `json:"content"`
}

type grepInput struct {
	Pattern    string `json:"pattern"`
	Path       string `json:"path,omitempty"`
	OutputMode string `json:"output_mode,omitempty"`
	LineNums   bool   `json:"-n,omitempty"`
}

type globInput struct {
	Pattern string `json:"pattern"`
	Path    string `json:"path,omitempty"`
}

type taskInput struct {
	Description  string `json:"description"`
	SubagentType string `json:"subagent_type"`
	Model        string `json:"model,omitempty"`
	Prompt       string `json:"prompt"`
}
