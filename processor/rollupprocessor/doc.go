// Package rollupprocessor aggregates sums and histograms into calendar
// windows (hourly, daily, weekly in a configured time zone) and emits each
// window's absolute total, keyed by metric, period, window start and
// attribute set. Open windows and per-stream high-water marks persist in a
// storage extension, so replays and restarts never count a point twice.
//
// In a logs pipeline it rolls up the claude_code receiver's fact records by
// event time instead (logs.go): each fact key counts once per window at the
// copy the store keeps, and the totals travel on as ccdash.rollup records.
//
//go:generate make -C ../.. mdatagen
package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"
