package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/internal/alerts"
)

const (
	defaultEndpoint = "127.0.0.1:8899"
	defaultDataDir  = "./data"

	defaultAlertInterval = time.Minute
)

// NewFactory creates the factory for the analytics extension.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, create, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		ServerConfig: server,
		Driver:       DriverSQLite,
		DataDir:      defaultDataDir,
		Alerts:       AlertsConfig{Interval: defaultAlertInterval, Lookback: alerts.DefaultLookback},
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAnalytics(cfg.(*Config), set), nil
}
