package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Periods a window can span.
const (
	PeriodHourly = "hourly"
	PeriodDaily  = "daily"
	PeriodWeekly = "weekly" // weeks start on Monday
)

// Config configures the rollup processor.
type Config struct {
	// Periods are the calendar windows to aggregate into.
	Periods []string `mapstructure:"periods"`
	// Timezone is the IANA zone window boundaries are computed in.
	Timezone string `mapstructure:"timezone"`
	// Metrics names the metrics to roll up; empty: every sum and histogram.
	Metrics []string `mapstructure:"metrics"`
	// CloseAfter is how long after a window's end (measured by the newest
	// point timestamp seen) the window stays open for late points. A point
	// for a closed window is not counted; the window is reported as a gap.
	CloseAfter time.Duration `mapstructure:"close_after"`
	// KeepInput forwards the incoming metrics too; by default only the
	// rollup points leave the processor.
	KeepInput bool `mapstructure:"keep_input"`
	// StorageID names a storage extension (e.g. file_storage) that keeps
	// open windows and stream high-water marks across restarts.
	StorageID *component.ID `mapstructure:"storage"`
	// CompleteHistory (logs pipelines only) declares that this processor
	// sees every fact the store holds: it was in the pipeline from the
	// first fact on, with storage (a fresh install, or a receiver re-reading
	// the whole history). Coverage then begins at the earliest window, so
	// the API can answer history from rollups. Without it coverage begins
	// after the newest event of the first backfill the processor saw.
	CompleteHistory bool `mapstructure:"complete_history"`
	// BackfillHold is how long a reporter that said its backfill is not
	// complete keeps windows open without sending another progress fact
	// (logs pipelines only). 0 disables holding.
	BackfillHold time.Duration `mapstructure:"backfill_hold"`

	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Periods) == 0 {
		errs = append(errs, errors.New("periods must name at least one of hourly, daily, weekly"))
	}
	seen := map[string]bool{}
	for _, p := range c.Periods {
		switch p {
		case PeriodHourly, PeriodDaily, PeriodWeekly:
		default:
			errs = append(errs, fmt.Errorf("unknown period %q (one of hourly, daily, weekly)", p))
		}
		if seen[p] {
			errs = append(errs, fmt.Errorf("period %q given twice", p))
		}
		seen[p] = true
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil || c.Timezone == "" || c.Timezone == "Local" {
		errs = append(errs, fmt.Errorf("timezone %q is not an IANA time zone name", c.Timezone))
	}
	if c.CloseAfter < 0 {
		errs = append(errs, errors.New("close_after must not be negative"))
	}
	if c.BackfillHold < 0 {
		errs = append(errs, errors.New("backfill_hold must not be negative"))
	}
	if c.CompleteHistory && c.StorageID == nil {
		errs = append(errs, errors.New("complete_history needs storage: without it a restart would claim windows it restarted from zero"))
	}
	return errors.Join(errs...)
}
