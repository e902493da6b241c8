package factlog

// Attribute keys of fact log records. Claude Code's native event attribute
// names (shared/reference/native-otel.md) and OTel semantic conventions
// (gen_ai.* per semconv v1.41.0, vcs.*, url.*, code.*) are used where one
// exists, ccdash.* for the rest. Every key a fact field travels under is
// listed here so the encoder and decoder cannot drift apart.
const (
	AttrEventName = "event.name"
	AttrFactKey   = "ccdash.fact.key"

	AttrSessionID       = "session.id"
	AttrParentSessionID = "ccdash.parent_session.id"
	AttrRootSessionID   = "ccdash.root_session.id"
	AttrSessionType     = "ccdash.session.type"
	AttrAgentID         = "gen_ai.agent.id"
	AttrAgentType       = "gen_ai.agent.name"
	AttrProject         = "project.id"
	AttrCwd             = "ccdash.cwd"
	AttrGitBranch       = "vcs.ref.head.name"
	AttrVersion         = "app.version"
	AttrSourceFile      = "log.file.path"

	AttrModel         = "model" // native api_request attribute; gen_ai.request.model is set too
	AttrGenAIModel    = "gen_ai.request.model"
	AttrMessageID     = "gen_ai.response.id"
	AttrRequestID     = "request_id"
	AttrIsSidechain   = "ccdash.is_sidechain"
	AttrSpeed         = "speed"
	AttrInputTokens   = "input_tokens"
	AttrOutputTokens  = "output_tokens"
	AttrCacheRead     = "cache_read_tokens"
	AttrCacheCreation = "cache_creation_tokens" // 5m + 1h, as Claude Code reports it
	AttrCacheCreate1h = "ccdash.cache_creation_1h_tokens"
	AttrCostUSD       = "cost_usd"
	AttrCostNanos     = "ccdash.cost_nanos" // exact integer cost (1e-9 USD); cost_usd is derived from it

	AttrToolName     = "gen_ai.tool.name"
	AttrToolUseID    = "gen_ai.tool.call.id"
	AttrIsError      = "ccdash.tool.is_error"
	AttrExitCode     = "process.exit.code"
	AttrFailureClass = "error.type"
	AttrDurationMs   = "duration_ms"
	AttrInputHash    = "ccdash.tool.input_hash"
	AttrCommandClass = "ccdash.tool.command_class"

	AttrCommitSHA = "vcs.ref.head.revision"
	AttrPRNumber  = "ccdash.pr.number"
	AttrPRURL     = "url.full"
	AttrFilePath  = "code.file.path"
	AttrAdditions = "ccdash.lines.added"
	AttrDeletions = "ccdash.lines.removed"
	AttrSkillName = "ccdash.skill.name"
	AttrFirstTime = "ccdash.session.first_unix_ms"
	AttrLastTime  = "ccdash.session.last_unix_ms"
	AttrStatus    = "ccdash.status"

	AttrFeatureID    = "ccdash.feature.id"
	AttrTaskID       = "ccdash.task.id"
	AttrPhase        = "ccdash.phase"
	AttrTitle        = "ccdash.title"
	AttrLinkFromType = "ccdash.link.from.type"
	AttrLinkFromID   = "ccdash.link.from.id"
	AttrLinkToType   = "ccdash.link.to.type"
	AttrLinkToID     = "ccdash.link.to.id"
	AttrConfidence   = "ccdash.link.confidence"
	AttrLinkSource   = "ccdash.link.source"
	AttrAmbiguity    = "ccdash.link.ambiguity"
	AttrHostName     = "host.name" // resource attribute

	AttrIngestReporter   = "ccdash.ingest.reporter"
	AttrIngestComplete   = "ccdash.ingest.backfill_complete"
	AttrIngestFilesTotal = "ccdash.ingest.files_total"
	AttrIngestFilesDone  = "ccdash.ingest.files_caught_up"
	AttrIngestLines      = "ccdash.ingest.lines_read"
	AttrIngestBadLines   = "ccdash.ingest.bad_lines"
	AttrIngestBytes      = "ccdash.ingest.bytes_read"
	AttrIngestLag        = "ccdash.ingest.lag_seconds"
)
