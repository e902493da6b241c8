package store

import (
	"sort"
	"strings"
)

// Dimensions beyond the ones metrics.go started with. Every dimension can be
// a filter on every metric; a metric can be grouped by the dimensions its
// rows carry (Dimensions(metric)).
const (
	DimModelFamily = "model_family"
	DimAgent       = "agent"
	DimSkill       = "skill"
	DimFeature     = "feature"
	DimTask        = "task"
	// DimHost is the host.name of the collector that read the session
	// (sessions.host; "" for sessions stored before hosts were recorded).
	DimHost = "host"
)

// AllDimensions lists every dimension name, sorted.
func AllDimensions() []string {
	out := make([]string, 0, len(dimExprs))
	for d := range dimExprs {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// modelFamilies are matched in order against the lower-cased model id. The
// Go function and the SQL expression below are generated from this one list
// so the two can never disagree (TestModelFamilySQLMatchesGo).
var modelFamilies = []string{"opus", "sonnet", "haiku"}

// FamilyOther is the family of a model id that names none of the known
// families (for example "<synthetic>" or another vendor's model).
const FamilyOther = "other"

// ModelFamily derives the family (opus, sonnet, haiku, other) from a model
// id such as "claude-opus-4-6"; "" stays "".
func ModelFamily(model string) string {
	if model == "" {
		return ""
	}
	lower := strings.ToLower(model)
	for _, f := range modelFamilies {
		if strings.Contains(lower, f) {
			return f
		}
	}
	return FamilyOther
}

// modelFamilySQL is ModelFamily as a SQL expression over col. LOWER + LIKE
// behaves the same on both dialects for ASCII ids (SQLite's LIKE ignores
// ASCII case, PostgreSQL's does not; lower-casing first makes that moot).
func modelFamilySQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE WHEN " + col + " = '' THEN ''")
	for _, f := range modelFamilies {
		b.WriteString(" WHEN LOWER(" + col + ") LIKE '%" + f + "%' THEN '" + f + "'")
	}
	b.WriteString(" ELSE '" + FamilyOther + "' END")
	return b.String()
}

// dimExprs are the dimensions as expressions over the uniform row set "r"
// that every query reads (see series_rows.go), plus the joins they need.
var dimExprs = map[string]string{
	DimModel:       "r.model",
	DimModelFamily: modelFamilySQL("r.model"),
	DimProject:     "r.project",
	DimSessionType: "r.session_type",
	DimTool:        "r.tool",
	DimSkill:       "r.skill",
	DimAgent:       "COALESCE(sa.agent_type, '')",
	DimHost:        "COALESCE(sa.host, '')",
	DimFeature:     "r.thread", // mapped to the linked ids in Go (aggregate)
	DimTask:        "r.thread",
}

// rowDims are the dimensions each kind of row carries itself, so it can be
// grouped by them. Filters on other dimensions select whole sessions (see
// sessionFilter).
var rowDims = map[metricSource][]string{
	srcAPI:    {DimModel, DimModelFamily, DimProject, DimSessionType, DimAgent, DimHost, DimFeature, DimTask},
	srcTools:  {DimTool, DimProject, DimSessionType, DimAgent, DimHost, DimFeature, DimTask},
	srcEvents: {DimProject, DimSessionType, DimAgent, DimHost, DimFeature, DimTask},
	srcSkills: {DimSkill, DimProject, DimSessionType, DimAgent, DimHost, DimFeature, DimTask},
}

// usageDims are what usage_buckets can answer without reading single
// requests: its own columns plus the links, joined on the thread.
var usageDims = map[string]bool{
	DimModel: true, DimModelFamily: true, DimProject: true, DimSessionType: true, DimFeature: true, DimTask: true,
}

// sessionUsageDims select or group by sessions (an attribute of the
// session, or the sessions with a matching tool call or skill activation):
// session_usage_buckets, usage_buckets with the session in its key, can
// answer them with the usageDims.
var sessionUsageDims = map[string]bool{DimAgent: true, DimHost: true, DimTool: true, DimSkill: true}

func hasRowDim(src metricSource, dim string) bool {
	for _, d := range rowDims[src] {
		if d == dim {
			return true
		}
	}
	return false
}
