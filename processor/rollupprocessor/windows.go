package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import "time"

// windowOf returns the calendar window of period that contains t, in loc:
//   - hourly: the local hour (when clocks go back, the repeated hour is two
//     windows with different starts);
//   - daily: local midnight to the next local midnight;
//   - weekly: Monday 00:00 to the next Monday 00:00 (ISO weeks).
//
// The boundaries are those of the store's periodFor (internal/store
// periods.go), so stored windows line up with the periods the API queries.
func windowOf(period string, loc *time.Location, t time.Time) (start, end time.Time) {
	lt := t.In(loc)
	switch period {
	case PeriodHourly:
		start = lt.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second -
			time.Duration(lt.Nanosecond()))
		return start, start.Add(time.Hour)
	case PeriodWeekly:
		y, m, d := lt.Date()
		back := (int(lt.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, loc), time.Date(y, m, d-back+7, 0, 0, 0, 0, loc)
	default:
		y, m, d := lt.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, loc), time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
}
