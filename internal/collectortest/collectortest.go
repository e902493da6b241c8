// Package collectortest runs this repository's components in an in-process
// collector for pipeline tests: the factories of every ccdash component plus
// file_storage, and a Run helper that starts a collector from YAML text.
//
// In-process pipelines test the components as the distribution wires them
// (real config unmarshalling, real pipelines, real storage) without building
// the binary; tests of the built binary live in test/e2e.
package collectortest

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"
	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension"
	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"
	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"
)

// Factories returns the factories of the ccdash components and file_storage.
func Factories() (otelcol.Factories, error) {
	var err error
	f := otelcol.Factories{Telemetry: otelconftelemetry.NewFactory()}
	if f.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](claudecodereceiver.NewFactory()); err != nil {
		return f, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		correlationprocessor.NewFactory(), rollupprocessor.NewFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](sqlanalyticsexporter.NewFactory()); err != nil {
		return f, err
	}
	f.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](analyticsextension.NewFactory(), filestorage.NewFactory())
	return f, err
}

// Run starts a collector with the given configuration (YAML; ${env:...}
// references resolve) and returns a function that shuts it down and fails
// the test if Run returned an error.
func Run(tb testing.TB, configYAML string) (stop func()) {
	tb.Helper()
	cfgPath := filepath.Join(tb.TempDir(), "config.yaml")
	require.NoError(tb, os.WriteFile(cfgPath, []byte(configYAML), 0o600))
	col, err := otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo:               component.NewDefaultBuildInfo(),
		Factories:               Factories,
		DisableGracefulShutdown: true,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			URIs:              []string{cfgPath},
			ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory()},
		}},
	})
	require.NoError(tb, err)
	done := make(chan error, 1)
	go func() { done <- col.Run(context.Background()) }()
	return func() {
		col.Shutdown()
		require.NoError(tb, <-done)
	}
}

// FreeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	defer l.Close()
	return l.Addr().String()
}
