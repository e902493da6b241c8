package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// forEachDriver runs fn once per dialect, each with its own empty database.
func forEachDriver(t *testing.T, fn func(t *testing.T, driver string)) {
	for _, d := range storetest.Drivers {
		t.Run(d, func(t *testing.T) { fn(t, d) })
	}
}

// openStore opens a store on a fresh database of the driver.
func openStore(t testing.TB, driver string) *Store {
	t.Helper()
	s, err := Open(context.Background(), Config{Driver: driver, DSN: storetest.DSN(t, driver)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func write(t testing.TB, s *Store, fs ...facts.Fact) {
	t.Helper()
	require.NoError(t, s.Write(context.Background(), fs))
}

var t0 = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// apiFact is one copy of an API response (key req:<msgID>).
func apiFact(msgID, session, model string, ts time.Time, u facts.Usage, cost int64) facts.Fact {
	return facts.Fact{
		Key: "req:" + msgID, Event: facts.EventAPIRequest, Time: ts,
		SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p",
		Model: model, MessageID: msgID, Usage: u, CostNanos: cost,
	}
}

func toolUse(id, session, tool string, ts time.Time) facts.Fact {
	return facts.Fact{Key: "tool_use:" + id, Event: facts.EventToolUse, Time: ts,
		SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p",
		ToolName: tool, ToolUseID: id}
}

func toolResult(id, session string, ts time.Time, isErr bool, durMs int64) facts.Fact {
	f := facts.Fact{Key: "tool_result:" + id, Event: facts.EventToolResult, Time: ts,
		SessionID: session, RootSessionID: session, SessionType: facts.SessionMain, Project: "/p",
		ToolUseID: id, IsError: isErr, DurationMs: durMs}
	if isErr {
		code := int64(1)
		f.ExitCode, f.FailureClass, f.Status = &code, "exit_code", "error"
	}
	return f
}

func sessionFact(id, key string, first, last time.Time) facts.Fact {
	return facts.Fact{Key: key, Event: facts.EventSession, Time: first, FirstTime: first, LastTime: last,
		SessionID: id, RootSessionID: id, SessionType: facts.SessionMain, Project: "/p", Version: "2.1.0"}
}

// dumpTables renders every table this package writes, rows in key order, so
// two stores can be compared for identical contents.
func dumpTables(t testing.TB, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM telemetry_events ORDER BY fact_key",
		"SELECT * FROM sessions ORDER BY session_id",
		"SELECT * FROM tool_calls ORDER BY tool_use_id",
		"SELECT * FROM session_tool_usage ORDER BY session_id, tool_name",
		"SELECT * FROM file_updates ORDER BY key",
		"SELECT * FROM ingest_status ORDER BY reporter",
		"SELECT * FROM usage_buckets ORDER BY bucket, model, project, session_type, thread_id",
		"SELECT * FROM session_usage_buckets ORDER BY bucket, session_id, model, project, session_type, thread_id",
	} {
		rows, err := s.db.Query(q)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		fmt.Fprintf(&b, "%s\n", q)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			b.WriteByte('\n')
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	return b.String()
}
