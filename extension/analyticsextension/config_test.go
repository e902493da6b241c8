package analyticsextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ccdash/otelcol-ccdash/extension/analyticsextension/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	load := func(name string) (*Config, error) {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		cfg := NewFactory().CreateDefaultConfig()
		require.NoError(t, sub.Unmarshal(cfg))
		return cfg.(*Config), confmap.Validate(cfg)
	}

	cfg, err := load("")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:8899", cfg.NetAddr.Endpoint)
	assert.Equal(t, DriverSQLite, cfg.Driver)
	assert.Empty(t, cfg.DSN)
	assert.Equal(t, "data/ccdash.db", cfg.dataSource(), "sqlite defaults to <data_dir>/ccdash.db")

	cfg, err = load("team")
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:9999", cfg.NetAddr.Endpoint)
	assert.Equal(t, DriverPostgres, cfg.Driver)

	_, err = load("invalid")
	assert.ErrorContains(t, err, "endpoint must be set")
	assert.ErrorContains(t, err, `driver must be "sqlite" or "postgres", got "mysql"`)

	_, err = load("pg_without_dsn")
	assert.ErrorContains(t, err, "dsn must be set for postgres")

	cfg, err = load("alerts")
	require.NoError(t, err)
	assert.Equal(t, AlertsConfig{Interval: 30 * time.Second, Lookback: 48 * time.Hour}, cfg.Alerts)
	cfg, err = load("")
	require.NoError(t, err)
	assert.Equal(t, AlertsConfig{Interval: time.Minute, Lookback: 8 * 24 * time.Hour}, cfg.Alerts, "defaults")
	_, err = load("bad_alerts")
	assert.ErrorContains(t, err, "alerts::interval must not be negative")

	// Typos are errors, at the top level and in alerts (the squash-embedded
	// HTTP config would otherwise hide them).
	for name, want := range map[string]string{"typo": "invalid keys: dirver", "alerts_typo": "invalid keys: alerts::intervl"} {
		sub, err := cm.Sub(component.NewIDWithName(metadata.Type, name).String())
		require.NoError(t, err)
		assert.ErrorContains(t, sub.Unmarshal(NewFactory().CreateDefaultConfig()), want, name)
	}
}

func TestRedactDSN(t *testing.T) {
	assert.Equal(t, "postgres://u:xxxxx@h:5432/db", redactDSN("postgres://u:secret@h:5432/db"))
	assert.Equal(t, "./data/ccdash.db", redactDSN("./data/ccdash.db"))
}
