package store

import (
	"context"
	"fmt"
)

// Status is the ingest progress reported by the receivers, summed over
// reporters, and the number of stored facts.
type Status struct {
	// BackfillComplete is true when at least one reporter exists and every
	// reporter finished its backfill.
	BackfillComplete bool  `json:"backfill_complete"`
	FilesTotal       int64 `json:"files_total"`
	FilesCaughtUp    int64 `json:"files_caught_up"`
	LinesRead        int64 `json:"lines_read"`
	BadLines         int64 `json:"bad_lines"`
	// EventsStored is the number of telemetry_events rows.
	EventsStored int64 `json:"events_stored"`
	// LagSeconds is the largest lag of any reporter: a sum of lags means
	// nothing, the slowest reporter is what a user waits for.
	LagSeconds float64 `json:"lag_seconds"`
}

// Status reads ingest_status and counts telemetry_events.
func (s *Store) Status(ctx context.Context) (*Status, error) {
	var (
		st               Status
		reporters, ready int64
		lag              *float64
	)
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*),
    CAST(COALESCE(SUM(backfill_complete), 0) AS BIGINT),
    CAST(COALESCE(SUM(files_total), 0) AS BIGINT), CAST(COALESCE(SUM(files_caught_up), 0) AS BIGINT),
    CAST(COALESCE(SUM(lines_read), 0) AS BIGINT), CAST(COALESCE(SUM(bad_lines), 0) AS BIGINT),
    MAX(lag_seconds)
FROM ingest_status`).Scan(&reporters, &ready, &st.FilesTotal, &st.FilesCaughtUp, &st.LinesRead, &st.BadLines, &lag)
	if err != nil {
		return nil, fmt.Errorf("store: status: %w", err)
	}
	st.BackfillComplete = reporters > 0 && ready == reporters
	if lag != nil {
		st.LagSeconds = *lag
	}
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM telemetry_events").Scan(&st.EventsStored); err != nil {
		return nil, fmt.Errorf("store: status: %w", err)
	}
	return &st, nil
}
