package api

import (
	"net/http"
	"net/url"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// breakdownResponse is store.Breakdown with the resolved window.
type breakdownResponse struct {
	*store.Breakdown
	Start *string `json:"start"`
	End   *string `json:"end"`
}

// breakdown answers GET /api/analytics/breakdown?dimension&metric&filters&
// start&end&tz&limit&offset: a metric's total per dimension value, largest
// first.
func (h *handler) breakdown(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := store.BreakdownQuery{Dimension: p.one("dimension"), Metric: p.one("metric"), Filters: p.filters()}
	q.Limit, q.Offset = p.page()
	if q.Loc, q.Start, q.End, err = p.scope(); err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := h.store.Breakdown(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, breakdownResponse{Breakdown: b, Start: formatBound(q.Start), End: formatBound(q.End)})
}

// session answers GET /api/analytics/sessions/{id}.
func (h *handler) session(w http.ResponseWriter, r *http.Request) {
	id, err := url.PathUnescape(pathID(r))
	if err != nil {
		h.fail(w, r, badParam("id", "bad escape in session id"))
		return
	}
	d, err := h.store.SessionDetail(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	native, err := h.store.NativeEvents(r.Context(), id, maxNativeEvents) // hosts.go
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if native == nil {
		native = []store.NativeEvent{}
	}
	writeJSON(w, http.StatusOK, sessionResponse{SessionDetail: d, NativeEvents: native})
}
