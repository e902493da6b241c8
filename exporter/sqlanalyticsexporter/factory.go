package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter/internal/metadata"
)

// NewFactory creates the factory for the sql_analytics exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig,
		exporter.WithLogs(createLogs, metadata.LogsStability),
		exporter.WithMetrics(createMetrics, metadata.MetricsStability))
}

func createDefaultConfig() component.Config {
	// Two consumers: while one batch is in its write transaction (SQLite
	// has a single writer; Store.Write serialises), the other decodes the
	// next batch and builds its rows, work that otherwise sat on the
	// writer's critical path: 5% less backfill time on the 489 MB benchmark
	// history, 8% on 1.5 GB, where the writer leaves the other core idle.
	// Arrival order does not matter: Store.Write is idempotent and order
	// independent, and ingest progress keeps the newest report. More
	// consumers only queue on the write lock, holding more batches in memory.
	// wait_for_result makes ConsumeLogs return only after the batch is
	// committed (or finally failed), so the receiver advances its
	// checkpoints only for data that is in the database.
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.NumConsumers = 2
	queue.WaitForResult = true
	return &Config{
		TimeoutConfig: exporterhelper.TimeoutConfig{Timeout: 0}, // large backfill batches must not time out
		QueueConfig:   configoptional.Some(queue),
		BackOffConfig: configretry.NewDefaultBackOffConfig(),
		Store:         component.MustNewID("analytics"),
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	e := newLogsExporter(c, set)
	return exporterhelper.NewLogs(ctx, set, cfg, e.pushLogs,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
	)
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	c := cfg.(*Config)
	e := newMetricsExporter(c, set)
	return exporterhelper.NewMetrics(ctx, set, cfg, e.pushMetrics,
		exporterhelper.WithStart(e.start),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithQueue(c.QueueConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
	)
}
