package rollupprocessor

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	storageID := component.MustNewIDWithName("file_storage", "rollup")

	tests := []struct {
		id      component.ID
		want    *Config
		wantErr []string
	}{
		{id: component.NewID(metadata.Type), want: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			want: &Config{
				Periods:         []string{PeriodDaily, PeriodWeekly},
				Timezone:        "Europe/Berlin",
				Metrics:         []string{"claude_code.token.usage", "claude_code.cost.usage"},
				CloseAfter:      48 * time.Hour,
				KeepInput:       true,
				StorageID:       &storageID,
				CompleteHistory: true,
				BackfillHold:    30 * time.Minute,
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "invalid"),
			wantErr: []string{`unknown period "monthly"`, `period "daily" given twice`,
				`timezone "Mars/Olympus_Mons" is not an IANA time zone name`, "close_after must not be negative",
				"backfill_hold must not be negative", "complete_history needs storage"},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "no_periods"),
			wantErr: []string{"periods must name at least one of hourly, daily, weekly"},
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
