package api

import (
	"net/http"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// PathCorrelation serves the feature → task → session → commit → PR view.
const PathCorrelation = "/api/analytics/correlation"

// correlationResponse echoes the resolved filter next to the rows.
type correlationResponse struct {
	TZ     string                 `json:"tz"`
	Start  *string                `json:"start"`
	End    *string                `json:"end"`
	Limit  int                    `json:"limit"` // 0: all rows
	Offset int                    `json:"offset"`
	Total  int                    `json:"total"`
	Rows   []store.CorrelationRow `json:"rows"`
}

// correlation answers GET /api/analytics/correlation?feature&task&project&
// start&end&tz&limit&offset.
func (h *handler) correlation(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f := store.CorrelationFilter{Feature: p.one("feature"), Task: p.one("task"), Project: p.one("project")}
	f.Limit, f.Offset = p.page() // limit 0 (absent): every row
	loc, start, end, err := p.scope()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	f.Start, f.End = start, end
	c, err := h.store.Correlation(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, correlationResponse{
		TZ: loc.String(), Start: formatBound(start), End: formatBound(end),
		Limit: f.Limit, Offset: f.Offset, Total: c.Total, Rows: c.Rows,
	})
}
