// Package traces turns the ordered fact stream of Claude Code transcripts
// (internal/transcript) into spans, without any collector type: the
// receiver converts the result to pdata.
//
// # Model
//
// One trace per root session (TraceIDFor(root session id)); Claude Code's
// native span names (shared/reference/native-otel.md §1.6):
//
//	claude_code.interaction   one per user prompt (root span; InteractionSpanID(prompt uuid))
//	├─ claude_code.llm_request  one per API response (LLMRequestSpanID(message.id)), or a failed
//	│                           request (APIErrorSpanID(line uuid), status ERROR)
//	└─ claude_code.tool         one per tool call (ToolSpanID(tool_use id)), status ERROR when it failed
//	   └─ claude_code.interaction  a subagent spawned by this Task/Agent call (AgentSpanID(subagent session id))
//	      ├─ claude_code.llm_request
//	      └─ claude_code.tool …     (nested subagents repeat the pattern)
//
// Compaction summarizers (agent-acompact-*) have no spawning call: their
// interaction is a root span of the session's trace. A compact_boundary is
// a claude_code.compaction event of the current interaction. Commits, PRs
// and file edits are events of the tool call that made them. A hook run is
// a claude_code.hook event (hook_event, hook_name, ccdash.hook.status,
// success / error.type once its outcome is known) of its tool call's span
// (PreToolUse, PostToolUse…), else of the session's current interaction
// (SessionStart, UserPromptSubmit, Stop…); its start and its outcome are
// one event.
//
// # Streaming without buffering
//
// Facts arrive in batches that cut across files, and a subagent's file may
// be read before or after the file that spawned it. Every id is a hash of
// transcript ids, and every parent is computed from ids the fact itself
// carries: a subagent's requests and tools hang below AgentSpanID(their
// session id), and the agent span is emitted when the link fact (meta.json
// toolUseId, the Task result's agentId, an agent_progress line, a 1.x
// sidechain prompt) names the spawning tool_use id. So spans are emitted
// as soon as their facts are seen, and replays (a restart, a second
// collector, an agent and a gateway) give identical ids and parents.
//
// The Builder keeps only what ids cannot give: per session the current
// interaction (requests and tool calls have no prompt id in the
// transcript; they belong to the latest prompt of their session) and the
// time of the latest input, plus a bounded window of emitted span ids so
// that copies of one response or link in a later batch do not emit a span
// twice.
//
// # Limits
//
//   - Times: an interaction ends at its last child seen in the same batch,
//     so while tailing a live session (small batches) its span covers the
//     first batch only; its children carry their own times. A request
//     starts at the session's previous input (prompt or tool result): the
//     transcript records responses only. A subagent covers its lines in the
//     batch that links it.
//   - Each span is emitted once, from the batch that first holds it:
//     response copies in later batches (a streaming split cut by a batch
//     boundary) do not update its usage; the store and the token counters
//     stay exact.
//   - A request or tool call whose session had no prompt since the receiver
//     started (tailing resumed mid-interaction) is a root span of its trace.
//   - A subagent whose spawning call is never linked (its parent transcript
//     is gone, or a 2.0 subagent file without meta.json whose Task call never
//     returned) keeps its spans below an agent span that is never emitted.
//   - A compaction whose interaction was emitted in an earlier batch rides
//     on a zero-length claude_code.compaction span below that interaction.
//   - A hook event needs its span in the same batch: a hook whose tool
//     span left in an earlier batch falls back to the interaction, and
//     one whose interaction left too (or that ran before the session's
//     first prompt, like SessionStart) is dropped. A tool span is not
//     widened for its PostToolUse hooks, which run after its result.
package traces
