package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Config configures the sql_analytics exporter.
type Config struct {
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	QueueConfig                  configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	BackOffConfig                configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// Store names the analytics extension that owns the SQL store, e.g. "analytics".
	Store component.ID `mapstructure:"store"`

	_ struct{}
}

var errNoStore = errors.New("store must name an analytics extension, e.g. store: analytics")

// Validate checks the configuration.
func (c *Config) Validate() error {
	if c.Store.Type().String() == "" {
		return errNoStore
	}
	return nil
}
