package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/api/apibench"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// BenchmarkAPI times the dashboard's typical requests over HTTP on a SQLite
// store of 200k synthetic facts (make bench-api runs the same requests on
// 1M facts and reports p50/p95).
func BenchmarkAPI(b *testing.B) {
	ctx := context.Background()
	s, err := store.Open(ctx, store.Config{Driver: "sqlite", DSN: storetest.DSN(b, "sqlite")})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := apibench.Generate(200_000, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) }); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(NewHandler(s))
	defer srv.Close()
	for _, target := range apibench.Targets() {
		name := strings.TrimPrefix(target, "/api/analytics/")
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				resp, err := srv.Client().Get(srv.URL + target)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: HTTP %d", target, resp.StatusCode)
				}
			}
		})
	}
}
