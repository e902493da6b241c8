package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"

	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/metadata"
)

// DefaultTaskIDPattern matches ids such as AN-001 or PROJ-42.
const DefaultTaskIDPattern = `\b[A-Z]+-\d+\b`

// NewFactory creates the factory for the correlation processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(metadata.Type, createDefaultConfig,
		processor.WithLogs(createLogs, metadata.LogsStability),
		processor.WithMetrics(createMetrics, metadata.MetricsStability),
		processor.WithTraces(createTraces, metadata.TracesStability))
}

func createDefaultConfig() component.Config {
	return &Config{
		TaskIDPatterns: []string{DefaultTaskIDPattern},
		ProgressDir:    ".claude/progress",
		MaxSessions:    10000,
		MaxTasks:       10000,
		StateTTL:       7 * 24 * time.Hour,
	}
}

var processorCapabilities = consumer.Capabilities{MutatesData: true}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	c := correlators.get(cfg.(*Config), set)
	return processorhelper.NewLogs(ctx, set, cfg, next, c.processLogs,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(c.start), processorhelper.WithShutdown(c.shutdown))
}

func createMetrics(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Metrics) (processor.Metrics, error) {
	c := correlators.get(cfg.(*Config), set)
	return processorhelper.NewMetrics(ctx, set, cfg, next, c.processMetrics,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(c.start), processorhelper.WithShutdown(c.shutdown))
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	c := correlators.get(cfg.(*Config), set)
	return processorhelper.NewTraces(ctx, set, cfg, next, c.processTraces,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(c.start), processorhelper.WithShutdown(c.shutdown))
}
