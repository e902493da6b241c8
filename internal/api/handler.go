// Package api serves the analytics HTTP API (DESIGN.md §7) from the SQL
// store. Every number it returns is read from persisted facts.
//
// Routes (GET only):
//
//	/api/analytics/status    ingest progress and stored fact count
//	/api/analytics/series    one metric over time: metric, period, tz, group_by, start, end
//	/api/analytics/overview  totals of every metric over a window: start, end, tz
//
// Errors are JSON objects {"error": "..."}: 400 for bad parameters (the
// message starts with the parameter name), 404 for unknown paths, 405 for
// other methods. User input never causes a 500.
package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	_ "time/tzdata" // tz names must resolve on hosts without a zoneinfo database

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Route paths.
const (
	PathStatus   = "/api/analytics/status"
	PathSeries   = "/api/analytics/series"
	PathOverview = "/api/analytics/overview"
)

// Option configures the handler.
type Option func(*handler)

// WithErrorLog sets where internal errors (database failures) are reported;
// the client only sees {"error": "internal error"}.
func WithErrorLog(fn func(r *http.Request, err error)) Option {
	return func(h *handler) { h.logError = fn }
}

type handler struct {
	store    *store.Store
	logError func(*http.Request, error)
	routes   map[string]http.HandlerFunc
}

// NewHandler returns the analytics API handler. It serves the full paths
// above, so mount it at the server root (or under a prefix with
// http.StripPrefix).
func NewHandler(s *store.Store, opts ...Option) http.Handler {
	h := &handler{store: s, logError: func(*http.Request, error) {}}
	for _, o := range opts {
		o(h)
	}
	h.routes = map[string]http.HandlerFunc{
		PathStatus:   h.status,
		PathSeries:   h.series,
		PathOverview: h.overview,
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, ok := h.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed: use GET")
		return
	}
	route(w, r)
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
	q := store.SeriesQuery{Metric: p.one("metric"), Period: p.one("period"), GroupBy: p.list("group_by")}
	if q.Period == "" {
		q.Period = store.PeriodDaily
	}
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

func (h *handler) overview(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var q store.OverviewQuery
	if q.Loc, q.Start, q.End, err = p.scope(); err != nil {
		h.fail(w, r, err)
		return
	}
	o, err := h.store.Overview(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
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
