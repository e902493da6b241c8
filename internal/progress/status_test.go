package progress

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestNormalizeStatus(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{"done", StatusDone},
		{"completed", StatusDone},
		{"complete", StatusDone},
		{"Completed", StatusDone},
		{" DONE ", StatusDone},
		{"deferred", StatusDeferred},
		{"skipped", StatusDeferred},
		{"wont-do", StatusDeferred},
		{"wont_do", StatusDeferred},
		{"won't-do", StatusDeferred},
		{"defer", StatusDeferred},
		{"postponed", StatusDeferred},
		{"in_progress", StatusInProgress},
		{"in-progress", StatusInProgress},
		{"In Progress", StatusInProgress},
		{"blocked", StatusBlocked},
		{"pending", StatusPending},
		{"planning", StatusPending},
		{"not-started", StatusPending},
		{"not_started", StatusPending},
		// Not in the table: counted as unknown, never guessed.
		{"review", StatusUnknown},
		{"merged", StatusUnknown},
		{"todo", StatusUnknown},
		{"", StatusUnknown},
		{"completed-2026-05-02", StatusUnknown},
	} {
		assert.Equal(t, tc.want, NormalizeStatus(tc.raw), "raw %q", tc.raw)
	}
}

func TestStatusRank(t *testing.T) {
	assert.Equal(t, 0, StatusRank(StatusUnknown))
	assert.Equal(t, len(Statuses)-1, StatusRank(StatusDone))
	assert.Greater(t, StatusRank(StatusDone), StatusRank(StatusDeferred))
	assert.Greater(t, StatusRank(StatusInProgress), StatusRank(StatusPending))
	assert.Equal(t, -1, StatusRank("review"))
}

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339, "" = not parsed
	}{
		{"2026-08-14T03:05Z", "2026-08-14T03:05:00Z"},
		{"2026-04-27T16:34:10+02:00", "2026-04-27T14:34:10Z"},
		{"2026-06-11", "2026-06-11T00:00:00Z"},
		{"2026-06-11T10:00", "2026-06-11T10:00:00Z"},
		{"", ""},
		{"null", ""},
		{"yesterday", ""},
	} {
		got, ok := ParseTime(tc.in)
		if tc.want == "" {
			assert.False(t, ok, tc.in)
			continue
		}
		if assert.True(t, ok, tc.in) {
			assert.Equal(t, tc.want, got.Format(time.RFC3339), tc.in)
		}
	}
}
