package sqlanalyticsexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	t.Run("default", func(t *testing.T) {
		cfg := loadSub(t, cm, component.NewID(metadata.Type))
		assert.Equal(t, createDefaultConfig(), cfg)
		q := cfg.QueueConfig.Get()
		assert.Equal(t, 2, q.NumConsumers, "one batch prepared while the other is written")
		assert.True(t, q.WaitForResult, "checkpoints must advance only after the write committed")
	})
	t.Run("custom", func(t *testing.T) {
		cfg := loadSub(t, cm, component.NewIDWithName(metadata.Type, "custom"))
		assert.Equal(t, component.MustNewIDWithName("analytics", "team"), cfg.Store)
		assert.EqualValues(t, 50, cfg.QueueConfig.Get().QueueSize)
		assert.Equal(t, 1, cfg.QueueConfig.Get().NumConsumers)
		assert.Equal(t, time.Minute, cfg.BackOffConfig.MaxElapsedTime)
	})
}

func TestValidateRequiresStore(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Store = component.ID{}
	assert.ErrorIs(t, confmap.Validate(cfg), errNoStore)
}

func loadSub(t *testing.T, cm *confmap.Conf, id component.ID) *Config {
	t.Helper()
	sub, err := cm.Sub(id.String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, confmap.Validate(cfg))
	return cfg.(*Config)
}
