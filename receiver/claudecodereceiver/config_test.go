package claudecodereceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewIDWithName("file_storage", "checkpoints")

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr []string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			want: &Config{
				ClaudeConfigDir: "/home/u/.claude,/work/other",
				PollInterval:    250 * time.Millisecond,
				BatchSize:       100,
				MaxLineSize:     1 << 20,
				IncludeContent:  false,
				StorageID:       &storageID,
				Progress: ProgressConfig{
					Enabled:      true,
					Include:      []string{"**/.claude/progress/**/*.md", "~/plans/*/progress.md"},
					Exclude:      []string{"**/archive/**"},
					PollInterval: 30 * time.Second,
				},
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "invalid"),
			wantErr: []string{
				"poll_interval must be positive", "batch_size must be positive", "max_line_size must be at least 1024",
				"progress.poll_interval must be positive", `progress.include "[bad": syntax error in pattern`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			cfg := NewFactory().CreateDefaultConfig()
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if len(tt.wantErr) > 0 {
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

func TestSplitDirs(t *testing.T) {
	assert.Equal(t, []string{"/a", "/b"}, splitDirs(" /a, ,/b "))
	assert.Nil(t, splitDirs(""))
}
