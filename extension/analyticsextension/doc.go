// Package analyticsextension owns the SQL analytics store (opening it and
// running migrations) and serves the /api/analytics HTTP API over it.
//
//go:generate make -C ../.. mdatagen
package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"
