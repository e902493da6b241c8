package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc is the OpenAPI 3 description of every route
// (TestOpenAPIMatchesRoutes checks it against the handler's route table).
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI answers GET /api/analytics/openapi.json.
func (h *handler) openAPI(w http.ResponseWriter, _ *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(openAPIDoc)
}
