package store

import (
	"time"
)

// periodOf maps stored 15-minute buckets to local calendar periods.
// Aggregation happens in SQL per bucket; this mapping happens in Go so time
// zone rules (DST, half-hour offsets) come from one place, Go's tz database,
// and not from two databases' date functions.
type periodMapper struct {
	period string
	loc    *time.Location
	cache  map[int64]periodKey
}

type periodKey struct {
	label string
	start time.Time // the period's first instant
}

func newPeriodMapper(period string, loc *time.Location) *periodMapper {
	return &periodMapper{period: period, loc: loc, cache: make(map[int64]periodKey)}
}

func (m *periodMapper) of(bucket int64) periodKey {
	if k, ok := m.cache[bucket]; ok {
		return k
	}
	t := time.Unix(bucket, 0)
	if m.period == PeriodPoint {
		t = time.UnixMilli(bucket) // points are keyed by event time in ms
	}
	k := periodFor(m.period, m.loc, t)
	m.cache[bucket] = k
	return k
}

// periodFor returns the local period containing t:
//   - hourly: label "2006-01-02T15"; when clocks go back the repeated hour
//     yields two periods with the same label and different starts;
//   - daily: the local date "2006-01-02";
//   - weekly: the local date of the week's Monday (ISO weeks);
//   - point: the instant itself, labelled in local time (RFC 3339).
func periodFor(period string, loc *time.Location, t time.Time) periodKey {
	lt := t.In(loc)
	switch period {
	case PeriodPoint:
		return periodKey{label: lt.Format(time.RFC3339Nano), start: t}
	case PeriodHourly:
		start := lt.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second -
			time.Duration(lt.Nanosecond()))
		return periodKey{label: lt.Format("2006-01-02T15"), start: start}
	case PeriodWeekly:
		y, mo, d := lt.Date()
		back := (int(lt.Weekday()) + 6) % 7 // days since Monday
		start := time.Date(y, mo, d-back, 0, 0, 0, 0, loc)
		return periodKey{label: start.Format("2006-01-02"), start: start}
	default:
		y, mo, d := lt.Date()
		start := time.Date(y, mo, d, 0, 0, 0, 0, loc)
		return periodKey{label: lt.Format("2006-01-02"), start: start}
	}
}

// PeriodOf returns the label and first instant of the local period
// (point, hourly, daily or weekly) containing t.
func PeriodOf(period string, loc *time.Location, t time.Time) (label string, start time.Time) {
	k := periodFor(period, loc, t)
	return k.label, k.start
}

// NextPeriod returns the first instant of the period after the one starting
// at start (a PeriodOf start).
func NextPeriod(period string, loc *time.Location, start time.Time) time.Time {
	lt := start.In(loc)
	y, mo, d := lt.Date()
	switch period {
	case PeriodHourly:
		// The next local hour; the duration is not always 1h across DST
		// changes, so ask periodFor for the period one hour later.
		return periodFor(period, loc, start.Add(time.Hour)).start
	case PeriodWeekly:
		return time.Date(y, mo, d+7, 0, 0, 0, 0, loc)
	default:
		return time.Date(y, mo, d+1, 0, 0, 0, 0, loc)
	}
}
