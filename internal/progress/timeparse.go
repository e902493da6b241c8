package progress

import (
	"strings"
	"time"
)

// Layouts seen in progress files' started/completed fields: RFC 3339,
// minutes without seconds ("2026-08-14T03:05Z"), and plain dates.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime parses a started/completed value. Times without a zone are
// taken as UTC (the files do not say which zone they meant).
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
