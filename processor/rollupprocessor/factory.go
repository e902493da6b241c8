package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"

	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

// NewFactory creates the factory for the rollup processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithMetrics(createMetrics, metadata.MetricsStability),
		processor.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		Periods:      []string{PeriodHourly, PeriodDaily, PeriodWeekly},
		Timezone:     "UTC",
		CloseAfter:   time.Hour,
		BackfillHold: time.Hour,
	}
}

func createMetrics(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	return newRollupProcessor(set, cfg.(*Config), next)
}

func createLogs(_ context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	return newLogsProcessor(set, cfg.(*Config), next)
}
