package traces

// Attribute keys. gen_ai.* follow OTel semantic conventions v1.41.0 (the
// last release with gen_ai symbols; collector-api.md §7); the rest are
// Claude Code's native span attribute names (native-otel.md §1.6) or the
// keys the fact log records use (internal/factlog, not imported: that
// package depends on pdata and this one must not).
const (
	AttrGenAIOperation     = "gen_ai.operation.name"
	AttrGenAIProvider      = "gen_ai.provider.name"
	AttrGenAIRequestModel  = "gen_ai.request.model"
	AttrGenAIResponseModel = "gen_ai.response.model"
	AttrGenAIResponseID    = "gen_ai.response.id"
	AttrGenAIInputTokens   = "gen_ai.usage.input_tokens" // includes cached input (semconv), unlike Anthropic's input_tokens
	AttrGenAIOutputTokens  = "gen_ai.usage.output_tokens"
	AttrGenAICacheRead     = "gen_ai.usage.cache_read.input_tokens"
	AttrGenAICacheCreation = "gen_ai.usage.cache_creation.input_tokens"
	AttrGenAIToolName      = "gen_ai.tool.name"
	AttrGenAIToolCallID    = "gen_ai.tool.call.id"
	AttrGenAIToolType      = "gen_ai.tool.type"
	AttrGenAIAgentName     = "gen_ai.agent.name"
	AttrGenAIAgentID       = "gen_ai.agent.id"
	AttrGenAIConversation  = "gen_ai.conversation.id"
	AttrErrorType          = "error.type"

	AttrSessionID     = "session.id"
	AttrRootSessionID = "ccdash.root_session.id"
	AttrSessionType   = "ccdash.session.type"
	AttrProject       = "project.id"
	AttrGitBranch     = "vcs.ref.head.name"
	AttrVersion       = "app.version"

	// Native llm_request / tool / interaction attributes.
	AttrModel          = "model"
	AttrRequestID      = "request_id"
	AttrInputTokens    = "input_tokens" // Anthropic's: excludes cache reads and writes
	AttrOutputTokens   = "output_tokens"
	AttrCacheRead      = "cache_read_tokens"
	AttrCacheCreation  = "cache_creation_tokens"
	AttrCostUSD        = "cost_usd"
	AttrCostNanos      = "ccdash.cost_nanos"
	AttrSpeed          = "speed"
	AttrQuerySource    = "query_source" // main | subagent
	AttrAgentID        = "agent_id"
	AttrToolName       = "tool_name"
	AttrToolUseID      = "tool_use_id"
	AttrDurationMs     = "duration_ms"
	AttrSuccess        = "success"
	AttrExitCode       = "process.exit.code"
	AttrPromptLength   = "user_prompt_length"
	AttrSubagentType   = "subagent_type"
	AttrParentToolUse  = "ccdash.parent_tool_use_id"
	AttrCompactTrigger = "trigger"
	AttrPreTokens      = "pre_tokens"
	AttrPostTokens     = "post_tokens"
	AttrCommitSHA      = "vcs.ref.head.revision"
	AttrPRNumber       = "ccdash.pr.number"
	AttrPRURL          = "url.full"
	AttrFilePath       = "code.file.path"
	AttrLinesAdded     = "ccdash.lines.added"
	AttrLinesRemoved   = "ccdash.lines.removed"
	AttrHookEvent      = "hook_event" // native hook event attributes
	AttrHookName       = "hook_name"
	AttrHookStatus     = "ccdash.hook.status"
)

// Attribute values.
const (
	OpChat        = "chat"
	OpExecuteTool = "execute_tool"
	OpInvokeAgent = "invoke_agent"
	ProviderName  = "anthropic"
	ToolFunction  = "function"
	AgentClaude   = "claude-code"
)
