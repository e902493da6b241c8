package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/alerts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// maxBody bounds alert request bodies.
const maxBody = 64 << 10

// alertJSON is a rule as the API shows it.
type alertJSON struct {
	store.AlertRule
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func toJSON(r store.AlertRule) alertJSON {
	if r.Filters == nil {
		r.Filters = store.Filters{}
	}
	return alertJSON{AlertRule: r, CreatedAt: time.UnixMilli(r.CreatedMs).UTC().Format(time.RFC3339Nano),
		UpdatedAt: time.UnixMilli(r.UpdatedMs).UTC().Format(time.RFC3339Nano)}
}

// alertInput is a POST or PATCH body; nil fields are not given.
type alertInput struct {
	ID        *string        `json:"id"`
	Name      *string        `json:"name"`
	Metric    *string        `json:"metric"`
	Operator  *string        `json:"operator"`
	Threshold *float64       `json:"threshold"`
	Period    *string        `json:"period"`
	TZ        *string        `json:"tz"`
	Filters   *store.Filters `json:"filters"`
	Enabled   *bool          `json:"enabled"`
}

func (in *alertInput) apply(r *store.AlertRule) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Name, in.Name)
	set(&r.Metric, in.Metric)
	set(&r.Operator, in.Operator)
	set(&r.Period, in.Period)
	set(&r.TZ, in.TZ)
	if in.Threshold != nil {
		r.Threshold = *in.Threshold
	}
	if in.Filters != nil {
		r.Filters = *in.Filters
	}
	if in.Enabled != nil {
		r.Enabled = *in.Enabled
	}
}

// readAlert decodes a JSON body strictly: unknown fields, trailing data
// and wrong types are 400s naming the field where possible.
func readAlert(r *http.Request) (*alertInput, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, badParam("body", "unreadable: %v", err)
	}
	if len(body) > maxBody {
		return nil, badParam("body", "larger than %d bytes", maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var in alertInput
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, badParam(te.Field, "wrong type: want %s", te.Type)
		}
		return nil, badParam("body", "not a JSON alert rule: %v", err)
	}
	if dec.More() {
		return nil, badParam("body", "trailing data after the JSON object")
	}
	return &in, nil
}

// listAlerts answers GET /api/analytics/alerts.
func (h *handler) listAlerts(w http.ResponseWriter, r *http.Request) {
	rules, err := h.store.Alerts(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]alertJSON, 0, len(rules))
	for _, rule := range rules {
		out = append(out, toJSON(rule))
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}

// createAlert answers POST /api/analytics/alerts: 201 with the rule, 409
// when its id exists. enabled defaults to true.
func (h *handler) createAlert(w http.ResponseWriter, r *http.Request) {
	in, err := readAlert(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rule := store.AlertRule{Enabled: true}
	if in.ID != nil {
		rule.ID = *in.ID
		if rule.ID == "" {
			h.fail(w, r, badParam("id", "empty: leave it out to get a generated id"))
			return
		}
	}
	in.apply(&rule)
	if err := alerts.Validate(&rule); err != nil {
		h.fail(w, r, err)
		return
	}
	rule.CreatedMs = h.now().UnixMilli()
	rule.UpdatedMs = rule.CreatedMs
	if err := h.store.CreateAlert(r.Context(), rule); err != nil {
		if errors.Is(err, store.ErrConflict) {
			writeError(w, http.StatusConflict, fmt.Sprintf("id: alert %q already exists", rule.ID))
			return
		}
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", PathAlerts+"/"+rule.ID)
	writeJSON(w, http.StatusCreated, toJSON(rule))
}

// patchAlert answers PATCH /api/analytics/alerts/{id}: the given fields
// change, the rule is validated again as a whole.
func (h *handler) patchAlert(w http.ResponseWriter, r *http.Request) {
	id := pathID(r)
	in, err := readAlert(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rule, err := h.store.Alert(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if in.ID != nil && *in.ID != id {
		h.fail(w, r, badParam("id", "cannot change an alert's id"))
		return
	}
	in.apply(&rule)
	if err := alerts.Validate(&rule); err != nil {
		h.fail(w, r, err)
		return
	}
	rule.UpdatedMs = h.now().UnixMilli()
	if err := h.store.UpdateAlert(r.Context(), rule); err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toJSON(rule))
}

// deleteAlert answers DELETE /api/analytics/alerts/{id}: 204, or 404.
func (h *handler) deleteAlert(w http.ResponseWriter, r *http.Request) {
	if err := h.store.DeleteAlert(r.Context(), pathID(r)); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// alertEvents answers GET /api/analytics/alerts/events?alert_id&state&
// start&end&tz&limit&offset (start/end bound the period start), newest
// period first.
func (h *handler) alertEvents(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	q := store.AlertEventsQuery{AlertID: p.one("alert_id"), State: p.one("state")}
	q.Limit, q.Offset = p.page()
	if _, q.Start, q.End, err = p.scope(); err != nil {
		h.fail(w, r, err)
		return
	}
	if q.State != "" && q.State != store.AlertFiring && q.State != store.AlertResolved {
		h.fail(w, r, badParam("state", "unknown state %q (firing or resolved)", q.State))
		return
	}
	evs, err := h.store.AlertEvents(r.Context(), q)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": evs})
}

// anomalies answers GET /api/analytics/anomalies?tz&at: the built-in cards
// (alerts.Anomalies) evaluated at `at` (RFC 3339; default now).
func (h *handler) anomalies(w http.ResponseWriter, r *http.Request) {
	p, err := parseQuery(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	loc, err := p.location()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	now := h.now()
	if v := p.one("at"); v != "" {
		if now, err = parseBound("at", v, loc, false); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if p.err != nil {
		h.fail(w, r, p.err)
		return
	}
	cards, err := alerts.Anomalies(r.Context(), h.store, now, loc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tz": loc.String(), "at": now.UTC().Format(time.RFC3339Nano), "cards": cards})
}
