package store

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Metric ids served by Series and Overview.
const (
	MetricTokensInput         = "tokens_input"
	MetricTokensOutput        = "tokens_output"
	MetricTokensCacheCreation = "tokens_cache_creation"
	MetricTokensCacheRead     = "tokens_cache_read"
	MetricTokensTotal         = "tokens_total"
	MetricCostUSD             = "cost_usd"
	MetricSessions            = "sessions"
	MetricToolCalls           = "tool_calls"
	MetricToolErrors          = "tool_errors"
	MetricCommits             = "commits"
	MetricPullRequests        = "pull_requests"
	MetricSkillActivations    = "skill_activations"
)

// Group-by dimensions.
const (
	DimModel       = "model"
	DimProject     = "project"
	DimSessionType = "session_type"
	DimTool        = "tool"
)

// Periods.
const (
	PeriodPoint  = "point" // one point per event time
	PeriodHourly = "hourly"
	PeriodDaily  = "daily"
	PeriodWeekly = "weekly"
)

// QueryError is a problem with a query parameter; the API answers it with
// 400 and the message, which starts with the parameter name.
type QueryError struct {
	Param string
	Msg   string
}

func (e *QueryError) Error() string { return e.Param + ": " + e.Msg }

func queryErrorf(param, format string, args ...any) error {
	return &QueryError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

type metricSource int

const (
	// srcAPI: claude_code.api_request rows of telemetry_events. Token and
	// cost metrics come from these rows only (one row per de-duplicated
	// API response).
	srcAPI metricSource = iota
	// srcEvents: a count of telemetry_events rows of one event name.
	srcEvents
	// srcTools: rows of tool_calls (one per tool_use_id).
	srcTools
	// srcSkills: claude_code.skill_activated rows of telemetry_events (the
	// skill name is in the payload).
	srcSkills
)

type metricDef struct {
	id       string
	src      metricSource
	event    string // srcEvents: the event counted
	agg      string // SQL aggregate; "" for the distinct-session count
	where    string // extra filter
	nanos    bool
	distinct bool              // value is a distinct count of sessionKey, not a sum
	dims     map[string]string // group_by dimension -> column
}

// sessionKey is what the sessions metric counts: the top-level session of
// the thread, so a main session and its subagents are one session (their
// usage counts toward the parent, as in ccusage). NULL for rows without a
// session.
const sessionKey = "CASE WHEN root_session_id <> '' THEN root_session_id WHEN session_id <> '' THEN session_id END"

var (
	apiDims   = map[string]string{DimModel: "model", DimProject: "project", DimSessionType: "session_type"}
	toolDims  = map[string]string{DimTool: "tool_name", DimProject: "project", DimSessionType: "session_type"}
	eventDims = map[string]string{DimProject: "project", DimSessionType: "session_type"}
)

func sumOf(expr string) string { return "CAST(COALESCE(SUM(" + expr + "), 0) AS BIGINT)" }

var metricDefs = map[string]metricDef{
	MetricTokensInput:         {src: srcAPI, agg: sumOf("tokens_input"), dims: apiDims},
	MetricTokensOutput:        {src: srcAPI, agg: sumOf("tokens_output"), dims: apiDims},
	MetricTokensCacheCreation: {src: srcAPI, agg: sumOf("tokens_cache_creation"), dims: apiDims},
	MetricTokensCacheRead:     {src: srcAPI, agg: sumOf("tokens_cache_read"), dims: apiDims},
	MetricTokensTotal: {src: srcAPI, dims: apiDims,
		agg: sumOf("tokens_input + tokens_output + tokens_cache_creation + tokens_cache_read")},
	MetricCostUSD: {src: srcAPI, agg: sumOf("cost_nanos"), nanos: true, dims: apiDims},
	// sessions counts threads, not session entities: a main session and its
	// subagents are one session (subagent usage counts toward the parent,
	// as in ccusage), so subagents never inflate the count. A thread counts
	// in a period when it made at least one API request there. Grouped, it
	// counts once in every group it has requests in (per model it used, or
	// under both "main" and "subagent"), so group values need not add up to
	// the ungrouped count. Periods do not add up either: the overview's
	// sessions is the distinct count over the whole window.
	MetricSessions:     {src: srcAPI, distinct: true, dims: apiDims},
	MetricToolCalls:    {src: srcTools, agg: "COUNT(*)", dims: toolDims},
	MetricToolErrors:   {src: srcTools, agg: "COUNT(*)", where: "is_error = 1", dims: toolDims},
	MetricCommits:      {src: srcEvents, event: facts.EventCommit, agg: "COUNT(*)", dims: eventDims},
	MetricPullRequests: {src: srcEvents, event: facts.EventPullRequest, agg: "COUNT(*)", dims: eventDims},
	MetricSkillActivations: {src: srcSkills, event: facts.EventSkillActivated, agg: "COUNT(*)",
		dims: eventDims},
}

func init() {
	for id, m := range metricDefs {
		m.id = id
		metricDefs[id] = m
	}
}

// Metrics lists the metric ids, sorted.
func Metrics() []string {
	ids := make([]string, 0, len(metricDefs))
	for id := range metricDefs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Dimensions lists the group_by dimensions a metric supports, sorted.
func Dimensions(metric string) []string {
	m, ok := metricDefs[metric]
	if !ok {
		return nil
	}
	out := append([]string(nil), rowDims[m.src]...)
	sort.Strings(out)
	return out
}

func lookupMetric(id string) (metricDef, error) {
	m, ok := metricDefs[id]
	if !ok {
		if id == "" {
			return m, queryErrorf("metric", "required (one of %s)", strings.Join(Metrics(), ", "))
		}
		return m, queryErrorf("metric", "unknown metric %q (one of %s)", id, strings.Join(Metrics(), ", "))
	}
	return m, nil
}

// eventIs is a filter on one event name. The name is a literal, not a
// parameter, so the planners can use the partial index of that event.
func eventIs(name string) string { return "event_name = '" + name + "'" }
