package rollupprocessor

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWindowOf(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	require.NoError(t, err)
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	tests := []struct {
		name       string
		period     string
		loc        *time.Location
		t          string
		start, end string // RFC 3339 UTC
	}{
		{"hourly utc", PeriodHourly, time.UTC, "2026-11-23T10:59:59Z", "2026-11-23T10:00:00Z", "2026-11-23T11:00:00Z"},
		{"hourly half-hour offset", PeriodHourly, kolkata, "2026-11-23T10:10:00Z", "2026-11-23T09:30:00Z", "2026-11-23T10:30:00Z"},
		{"daily local midnight", PeriodDaily, berlin, "2026-11-23T23:30:00Z", "2026-11-23T23:00:00Z", "2026-11-24T23:00:00Z"},
		{"daily across DST end is 25 hours", PeriodDaily, berlin, "2026-10-25T12:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"},
		{"hourly repeated hour at DST end", PeriodHourly, berlin, "2026-10-25T01:20:00Z", "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z"},
		{"weekly starts Monday", PeriodWeekly, time.UTC, "2026-11-29T23:59:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"},
		{"weekly Monday itself", PeriodWeekly, berlin, "2026-11-22T23:00:00Z", "2026-11-22T23:00:00Z", "2026-11-29T23:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, end := windowOf(tt.period, tt.loc, utc(tt.t))
			assert.Equal(t, tt.start, start.UTC().Format(time.RFC3339))
			assert.Equal(t, tt.end, end.UTC().Format(time.RFC3339))
		})
	}
}
