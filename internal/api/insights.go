package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Insight routes (store/insights*.go): thread topology, tool retries and
// loops, test/lint/build command outcomes, commit → PR cycle time and the
// attribution of usage to features, tasks, commits and PRs.
const (
	PathTopology    = "/api/analytics/topology"
	PathRetries     = "/api/analytics/tools/retries"
	PathLoops       = "/api/analytics/loops"
	PathCommands    = "/api/analytics/commands"
	PathCycleTime   = "/api/analytics/cycle-time"
	PathAttribution = "/api/analytics/attribution"
)

// insightScope is what every insight endpoint accepts: the window and the
// filters of every windowed endpoint (store.Filters; which dimensions each
// insight's rows carry is in store/insights_filter.go).
var insightScope = join(windowParams, filterParams)

// insightRoutes are the insight endpoints, for NewHandler's route table.
func (h *handler) insightRoutes() []route {
	return []route{
		{http.MethodGet, PathTopology, join(insightScope, pageParams), insightHandler(h, (*store.Store).Topology)},
		{http.MethodGet, PathRetries, insightScope, insightHandler(h, (*store.Store).Retries)},
		{http.MethodGet, PathLoops, join([]string{"min_repeats"}, insightScope, pageParams), insightHandler(h, (*store.Store).Loops)},
		{http.MethodGet, PathCommands, insightScope, insightHandler(h, (*store.Store).Commands)},
		{http.MethodGet, PathCycleTime, join(insightScope, pageParams), insightHandler(h, (*store.Store).CycleTimes)},
		{http.MethodGet, PathAttribution, join([]string{"entity"}, insightScope, pageParams), insightHandler(h, (*store.Store).Attribution)},
	}
}

// withWindow adds the resolved window (tz, start, end: RFC 3339 UTC or
// null) to the members of a store answer.
func withWindow(res any, tz string, start, end *string) (map[string]json.RawMessage, error) {
	body, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	var out map[string]json.RawMessage
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	for k, v := range map[string]any{"tz": tz, "start": start, "end": end} {
		if out[k], err = json.Marshal(v); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// insightHandler reads the common parameters (the route table has already
// refused unknown ones) and answers with query's result.
func insightHandler[T any](h *handler, query func(*store.Store, context.Context, store.InsightQuery) (*T, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := parseQuery(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		q := store.InsightQuery{Filters: p.filters(), Entity: p.one("entity")}
		q.MinRepeats = p.intParam("min_repeats", 2, 1000)
		q.Limit, q.Offset = p.page()
		loc, start, end, err := p.scope()
		if err != nil {
			h.fail(w, r, err)
			return
		}
		q.Start, q.End = start, end
		res, err := query(h.store, r.Context(), q)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		body, err := withWindow(res, loc.String(), formatBound(start), formatBound(end))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, body)
	}
}
