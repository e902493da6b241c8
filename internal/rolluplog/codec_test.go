package rolluplog

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
)

func TestRoundTrip(t *testing.T) {
	n := int64(-42)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		r    Record
	}{
		{"int sum", Record{
			Metric: "claude_code.token.usage", Unit: "tokens", Period: "daily", TZ: "Europe/Berlin",
			Start: start, End: start.Add(24 * time.Hour), Observed: start.Add(time.Hour + 123*time.Millisecond),
			Since: start.Add(-24 * time.Hour), Int: &n, Value: float64(n),
			Attributes: map[string]string{"model": "claude-opus-4-5", "type": "input"},
		}},
		{"double sum", Record{
			Metric: "claude_code.cost.usage", Unit: "USD", Period: "hourly", TZ: "UTC",
			Start: start, End: start.Add(time.Hour), Observed: start.Add(time.Minute), Value: 1.234567891,
			Attributes: map[string]string{"model": "m"},
		}},
		{"empty", Record{
			Metric: "claude_code.token.usage", Period: "hourly", TZ: "UTC", Start: start, End: start.Add(time.Hour),
			Observed: start, Empty: true, Attributes: map[string]string{"model": "m", "type": "input"},
		}},
		{"gap", Record{
			Metric: "ccdash.tool.calls", Period: "weekly", TZ: "UTC", Start: start, End: start.AddDate(0, 0, 7),
			Observed: start, Incomplete: true, Attributes: map[string]string{},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ld := plog.NewLogs()
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("host.name", "h1")
			Encode(&tt.r, rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
			// A fact record next to it is not a rollup.
			rl.ScopeLogs().At(0).LogRecords().AppendEmpty().Attributes().PutStr(factlog.AttrFactKey, "k")

			got, res := DecodeAll(ld)
			require.Len(t, got, 1)
			assert.Equal(t, tt.r, got[0])
			assert.Equal(t, map[string]string{"host.name": "h1"}, res[0])
			_, isFact := factlog.Decode(rl.ScopeLogs().At(0).LogRecords().At(0))
			assert.False(t, isFact, "a rollup record is not a fact")
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	lr := plog.NewLogRecord()
	_, ok := Decode(lr)
	assert.False(t, ok, "not a rollup")
	lr.SetEventName("ccdash.rollup")
	lr.Attributes().PutStr(AttrMetric, "m")
	_, ok = Decode(lr)
	assert.False(t, ok, "no period or window")
}
