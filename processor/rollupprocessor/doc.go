// Package rollupprocessor aggregates sums and histograms into calendar
// windows (hourly, daily, weekly in a configured time zone) and emits each
// window's absolute total, keyed by metric, period, window start and
// attribute set. Open windows and per-stream high-water marks persist in a
// storage extension, so replays and restarts never count a point twice.
//
//go:generate make -C ../.. mdatagen
package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"
