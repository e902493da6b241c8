// Package api serves the analytics HTTP API (DESIGN.md §7) from the SQL
// store. Every number it returns is read from persisted facts.
//
// Routes (see openapi.json, served at /api/analytics/openapi.json, for every
// parameter; TestOpenAPIMatchesRoutes keeps the two in step):
//
//	GET    /api/analytics/status             ingest progress and stored fact count
//	GET    /api/analytics/overview           KPIs of a window (totals, success rate, active time, tasks)
//	GET    /api/analytics/series             one metric over time: period point|hourly|daily|weekly, group_by
//	GET    /api/analytics/breakdown          one metric's total per value of a dimension
//	GET    /api/analytics/correlation        feature/task/session/commit/PR view (correlation.go)
//	GET    /api/analytics/sessions/{id}      one session: subthreads, tools, token timeline, native events
//	GET    /api/analytics/hosts              per host: sessions, API requests, tokens, cost (hosts.go)
//	GET    /api/analytics/metrics            legacy: the metric catalogue with totals
//	GET    /api/analytics/trends             legacy: totals of a window against the window before
//	GET    /api/analytics/export/prometheus  legacy: all-time totals in Prometheus text format
//	GET    /api/analytics/anomalies          built-in anomaly cards (cost spike, velocity drop)
//	GET    /api/analytics/alerts             alert rules; POST creates one
//	PATCH  /api/analytics/alerts/{id}        edit a rule; DELETE removes it and its events
//	GET    /api/analytics/alerts/events      firing/resolved events of the rules
//	GET    /api/analytics/openapi.json       the OpenAPI 3 description of all of the above
//
// Filters, accepted by every windowed endpoint: project, feature, task,
// session_type, model_family, model, tool, agent, skill, host (comma lists or
// repeated; see store.Filters for their meaning) and start, end, tz.
//
// Errors are JSON objects {"error": "..."}: 400 for bad parameters (the
// message starts with the parameter name; unknown parameters are refused
// too, so a typo never silently widens a query), 404 for unknown paths and
// entities, 405 for other methods, 409 for an alert id that exists. User
// input never causes a 500.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	_ "time/tzdata" // tz names must resolve on hosts without a zoneinfo database

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Route paths.
const (
	PathStatus     = "/api/analytics/status"
	PathSeries     = "/api/analytics/series"
	PathOverview   = "/api/analytics/overview"
	PathBreakdown  = "/api/analytics/breakdown"
	PathSession    = "/api/analytics/sessions/{id}"
	PathMetrics    = "/api/analytics/metrics"
	PathTrends     = "/api/analytics/trends"
	PathPrometheus = "/api/analytics/export/prometheus"
	PathAnomalies  = "/api/analytics/anomalies"
	PathAlerts     = "/api/analytics/alerts"
	PathAlert      = "/api/analytics/alerts/{id}"
	PathAlertEvent = "/api/analytics/alerts/events"
	PathOpenAPI    = "/api/analytics/openapi.json"
)

// Option configures the handler.
type Option func(*handler)

// WithErrorLog sets where internal errors (database failures) are reported;
// the client only sees {"error": "internal error"}.
func WithErrorLog(fn func(r *http.Request, err error)) Option {
	return func(h *handler) { h.logError = fn }
}

// WithClock sets the clock of the endpoints whose default window ends now
// (trends, anomalies); tests pin it.
func WithClock(now func() time.Time) Option {
	return func(h *handler) { h.now = now }
}

type handler struct {
	store    *store.Store
	logError func(*http.Request, error)
	now      func() time.Time
	// routes are the GET (and HEAD) routes by exact path.
	routes map[string]http.HandlerFunc
	// table is every route with its method, pattern and query parameters.
	table []route
}

// route is one method on one path pattern; a {id} segment matches one
// non-empty path segment. params lists the accepted query parameters (nil:
// not checked here).
type route struct {
	method, pattern string
	params          []string
	fn              http.HandlerFunc
}

// Parameter groups.
var (
	windowParams = []string{"start", "end", "tz"}
	filterParams = store.AllDimensions()
	pageParams   = []string{"limit", "offset"}
)

func join(groups ...[]string) []string {
	var out []string
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// NewHandler returns the analytics API handler. It serves the full paths
// above, so mount it at the server root (or under a prefix with
// http.StripPrefix).
func NewHandler(s *store.Store, opts ...Option) http.Handler {
	h := &handler{store: s, logError: func(*http.Request, error) {}, now: time.Now}
	for _, o := range opts {
		o(h)
	}
	h.routes = map[string]http.HandlerFunc{
		PathStatus:   h.status,
		PathSeries:   h.series,
		PathOverview: h.overview,

		PathCorrelation: h.correlation, // correlation.go
	}
	params := map[string][]string{
		PathStatus:   {},
		PathSeries:   join([]string{"metric", "period", "group_by"}, windowParams, filterParams, pageParams),
		PathOverview: join(windowParams, filterParams),

		PathCorrelation: join([]string{"feature", "task", "project"}, windowParams, pageParams),
	}
	for path, fn := range h.routes {
		h.table = append(h.table, route{method: http.MethodGet, pattern: path, params: params[path], fn: fn})
	}
	h.table = append(h.table,
		route{http.MethodGet, PathBreakdown, join([]string{"dimension", "metric"}, windowParams, filterParams, pageParams), h.breakdown},
		route{http.MethodGet, PathSession, []string{}, h.session},
		route{http.MethodGet, PathMetrics, join(windowParams, filterParams), h.metrics},
		route{http.MethodGet, PathTrends, join([]string{"metric"}, windowParams, filterParams), h.trends},
		route{http.MethodGet, PathPrometheus, []string{}, h.prometheus},
		route{http.MethodGet, PathAnomalies, []string{"tz", "at"}, h.anomalies},
		route{http.MethodGet, PathAlerts, []string{}, h.listAlerts},
		route{http.MethodPost, PathAlerts, []string{}, h.createAlert},
		route{http.MethodPatch, PathAlert, []string{}, h.patchAlert},
		route{http.MethodDelete, PathAlert, []string{}, h.deleteAlert},
		route{http.MethodGet, PathAlertEvent, join([]string{"alert_id", "state"}, windowParams, pageParams), h.alertEvents},
		route{http.MethodGet, PathOpenAPI, []string{}, h.openAPI},
		route{http.MethodGet, PathHosts, []string{}, h.hosts}, // hosts.go
	)
	h.table = append(h.table, h.insightRoutes()...) // insights.go
	// Exact patterns before {id} ones, so /alerts/events is not alert "events".
	sort.SliceStable(h.table, func(i, j int) bool {
		wi, wj := strings.Contains(h.table[i].pattern, "{"), strings.Contains(h.table[j].pattern, "{")
		if wi != wj {
			return !wi
		}
		return h.table[i].pattern+" "+h.table[i].method < h.table[j].pattern+" "+h.table[j].method
	})
	return h
}

// match reports whether path (escaped) fits pattern and returns the {id}
// part, still escaped.
func match(pattern, path string) (id string, ok bool) {
	prefix, rest, wild := strings.Cut(pattern, "{id}")
	if !wild {
		return "", pattern == path
	}
	if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, rest) || len(path) <= len(prefix)+len(rest) {
		return "", false
	}
	// The id may contain '/': subagent session ids do (<parent>/agent-<id>).
	return path[len(prefix) : len(path)-len(rest)], true
}

type ctxKey struct{}

// pathID is the {id} segment of the matched route.
func pathID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	var pattern string // the first pattern the path matched
	for _, rt := range h.table {
		id, ok := match(rt.pattern, r.URL.EscapedPath())
		if !ok || (pattern != "" && rt.pattern != pattern) {
			continue
		}
		pattern = rt.pattern
		method := r.Method
		if method == http.MethodHead {
			method = http.MethodGet
		}
		if rt.method != method {
			allowed = append(allowed, rt.method)
			if rt.method == http.MethodGet {
				allowed = append(allowed, http.MethodHead)
			}
			continue
		}
		if rt.params != nil {
			if err := checkParams(r, rt.params); err != nil {
				h.fail(w, r, err)
				return
			}
		}
		if id != "" {
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, id))
		}
		rt.fn(w, r)
		return
	}
	if len(allowed) == 0 {
		writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use "+strings.Join(allowed, " or "))
}

// checkParams refuses query parameters the route does not take.
func checkParams(r *http.Request, accepted []string) error {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return badParam("query", "malformed query string: %v", err)
	}
	for _, name := range sortedKeys(v) {
		if !slices.Contains(accepted, name) {
			if len(accepted) == 0 {
				return badParam(name, "unknown parameter: this endpoint takes none")
			}
			return badParam(name, "unknown parameter (accepted: %s)", strings.Join(accepted, ", "))
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	if _, err := parseQuery(r); err != nil {
		h.fail(w, r, err)
		return
	}
	st, err := h.store.Status(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *handler) series(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := store.SeriesQuery{Metric: p.one("metric"), Period: p.one("period"), GroupBy: p.list("group_by"), Filters: p.filters()}
	if q.Period == "" {
		q.Period = store.PeriodDaily
	}
	q.Limit, q.Offset = p.page()
	if q.Loc, q.Start, q.End, err = p.scope(); err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.store.Series(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// overviewResponse echoes the resolved window: start/end are RFC 3339 UTC,
// null when unbounded.
type overviewResponse struct {
	TZ    string                 `json:"tz"`
	Start *string                `json:"start"`
	End   *string                `json:"end"`
	KPIs  map[string]store.Value `json:"kpis"`
}

// overviewOf answers the overview of the request's window and filters, or
// writes the error and returns false. overview and the legacy metrics share it.
func (h *handler) overviewOf(w http.ResponseWriter, r *http.Request) (*store.Overview, store.OverviewQuery, bool) {
	var q store.OverviewQuery
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return nil, q, false
	}
	q.Filters = p.filters()
	if q.Loc, q.Start, q.End, err = p.scope(); err != nil {
		h.fail(w, r, err)
		return nil, q, false
	}
	o, err := h.store.Overview(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return nil, q, false
	}
	return o, q, true
}

func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	o, q, ok := h.overviewOf(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, overviewResponse{
		TZ: o.TZ, Start: formatBound(q.Start), End: formatBound(q.End), KPIs: o.KPIs,
	})
}

// fail answers an error: 400 for bad parameters, 500 (logged, details
// withheld) for anything else.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var bad *store.QueryError
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
	case errors.Is(err, store.ErrConflict):
		writeError(w, http.StatusConflict, "conflict: "+err.Error())
	case r.Context().Err() != nil && errors.Is(err, r.Context().Err()):
		// The client went away; nobody reads this answer.
		writeError(w, http.StatusServiceUnavailable, "request cancelled")
	default:
		h.logError(r, err)
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only reachable through a programming error (an unmarshalable type).
		code, body = http.StatusInternalServerError, []byte(`{"error":"internal error"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// badParam builds the 400 error for a parameter.
func badParam(param, format string, args ...any) error {
	return &store.QueryError{Param: param, Msg: fmt.Sprintf(format, args...)}
}
