package correlationprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewIDWithName("file_storage", "correlation")

	tests := []struct {
		name    string
		want    *Config
		wantErr []string
	}{
		{name: "", want: createDefaultConfig().(*Config)},
		{name: "custom", want: &Config{
			TaskIDPatterns: []string{`\b[A-Z]+-\d+\b`, `#(\d+)\b`},
			ProgressDir:    "docs/progress",
			MaxSessions:    500,
			MaxTasks:       200,
			StateTTL:       24 * time.Hour,
			StorageID:      &storageID,
		}},
		{name: "bad_pattern", wantErr: []string{"task_id_patterns[0]: error parsing regexp"}},
		{name: "empty_match", wantErr: []string{"matches the empty string"}},
		{name: "bounds", wantErr: []string{
			"task_id_patterns must list at least one pattern", "progress_dir must not be empty",
			"max_sessions must be positive", "max_tasks must be positive", "state_ttl must be positive",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sub, err := cm.Sub(component.NewIDWithName(metadata.Type, tt.name).String())
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig()
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantErr != nil {
				for _, msg := range tt.wantErr {
					assert.ErrorContains(t, err, msg)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func TestDefaultConfigMatchesEmptyConf(t *testing.T) {
	cfg := NewFactory().CreateDefaultConfig()
	require.NoError(t, confmap.New().Unmarshal(cfg))
	assert.Equal(t, createDefaultConfig(), cfg)
}
