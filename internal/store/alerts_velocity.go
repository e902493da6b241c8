package store

import (
	"context"
	"fmt"
	"time"
)

// DailyCounts is a count per local day (label YYYY-MM-DD).
type DailyCounts map[string]int64

// TasksDonePerDay counts tasks whose current status is done by the local
// day of their completion time, over [start, end). ok is false when the
// store has no tasks table or no completed task at all, so callers can fall
// back to another velocity signal.
func (s *Store) TasksDonePerDay(ctx context.Context, loc *time.Location, start, end time.Time) (counts DailyCounts, ok bool, err error) {
	has, err := s.hasTable(ctx, "tasks")
	if err != nil || !has {
		return nil, false, err
	}
	var any int64
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM tasks WHERE completed_ms IS NOT NULL").Scan(&any); err != nil {
		return nil, false, fmt.Errorf("store: tasks done: %w", err)
	}
	if any == 0 {
		return nil, false, nil
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(
		"SELECT completed_ms FROM tasks WHERE completed_ms IS NOT NULL AND completed_ms >= ? AND completed_ms < ?"),
		start.UnixMilli(), end.UnixMilli())
	if err != nil {
		return nil, false, fmt.Errorf("store: tasks done: %w", err)
	}
	counts = DailyCounts{}
	for rows.Next() {
		var ms int64
		if err := rows.Scan(&ms); err != nil {
			rows.Close()
			return nil, false, fmt.Errorf("store: tasks done: %w", err)
		}
		counts[periodFor(PeriodDaily, loc, time.UnixMilli(ms)).label]++
	}
	return counts, true, closeRows(rows)
}
