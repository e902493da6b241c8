package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension/internal/metadata"
)

const (
	defaultEndpoint = "127.0.0.1:8899"
	defaultDataDir  = "./data"
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
	}
}

func create(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newAnalytics(cfg.(*Config), set), nil
}
