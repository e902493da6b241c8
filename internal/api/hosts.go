package api

import (
	"net/http"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// PathHosts lists the hosts sessions were read on.
const PathHosts = "/api/analytics/hosts"

// hostsResponse wraps the rows so the answer can grow fields.
type hostsResponse struct {
	Hosts []store.HostSummary `json:"hosts"`
}

// hosts answers GET /api/analytics/hosts: per host.name of the collector
// that read the sessions (one per machine with agents in front of a
// gateway), its sessions, API requests, tokens and cost, all time, ordered
// by host ("" collects sessions stored before hosts were recorded). Windowed
// or filtered per-host numbers: /breakdown?dimension=host.
func (h *handler) hosts(w http.ResponseWriter, r *http.Request) {
	if _, err := parseQuery(r); err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := h.store.Hosts(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if rows == nil {
		rows = []store.HostSummary{}
	}
	writeJSON(w, http.StatusOK, hostsResponse{Hosts: rows})
}

// sessionResponse is the session detail with the native Claude Code events
// (OTLP) of the session, each with the transcript fact it enriches.
type sessionResponse struct {
	*store.SessionDetail
	NativeEvents []store.NativeEvent `json:"native_events"`
}

// maxNativeEvents bounds the native events a session detail lists.
const maxNativeEvents = 1000
