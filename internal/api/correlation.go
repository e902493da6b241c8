package api

import (
	"net/http"
	"strconv"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// PathCorrelation serves the feature → task → session → commit → PR view.
const PathCorrelation = "/api/analytics/correlation"

// Paging of /correlation: default and largest page.
const (
	correlationDefaultLimit = 100
	correlationMaxLimit     = 1000
)

// correlationResponse echoes the resolved filter next to the rows.
type correlationResponse struct {
	TZ     string                 `json:"tz"`
	Start  *string                `json:"start"`
	End    *string                `json:"end"`
	Limit  int                    `json:"limit"`
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
	if f.Limit, err = correlationInt(p, "limit", correlationDefaultLimit, 1, correlationMaxLimit); err != nil {
		h.fail(w, r, err)
		return
	}
	if f.Offset, err = correlationInt(p, "offset", 0, 0, -1); err != nil {
		h.fail(w, r, err)
		return
	}
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

// correlationInt reads an integer parameter in [lo, hi] (hi < 0: no upper
// bound), def when absent.
func correlationInt(p *params, name string, def, lo, hi int) (int, error) {
	v := p.one(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badParam(name, "not an integer: %q", v)
	}
	if n < lo || (hi >= 0 && n > hi) {
		if hi >= 0 {
			return 0, badParam(name, "must be between %d and %d, got %d", lo, hi, n)
		}
		return 0, badParam(name, "must be at least %d, got %d", lo, n)
	}
	return n, nil
}
