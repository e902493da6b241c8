package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
)

// nativeUsageIn reports whether [start, end) holds native-only API usage:
// native claude_code.api_request rows no transcript copy replaced
// (native.go). The fact-backed series counts them; rollups, computed from
// the transcript facts, do not — so token and cost queries over such a
// window are answered from the facts.
func (s *Store) nativeUsageIn(ctx context.Context, start, end time.Time) (bool, error) {
	// Most stores never saw a native event: one primary-key probe.
	var one int
	err := s.db.QueryRowContext(ctx, "SELECT 1 FROM native_events LIMIT 1").Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: native usage: %w", err)
	}
	err = s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT 1 FROM telemetry_events WHERE "+eventIs(facts.EventAPIRequest)+
		" AND occurred_at >= ? AND occurred_at < ? AND fact_key LIKE '"+native.KeyPrefix+"%' LIMIT 1"),
		start.UnixMilli(), end.UnixMilli()).Scan(&one)
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: native usage: %w", err)
	}
	return true, nil
}
