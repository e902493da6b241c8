package store

import (
	"context"
	"database/sql"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

func TestOpenMigrates(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		dsn := storetest.DSN(t, driver)

		// Concurrent first Opens of one database: every one succeeds and
		// the migration is applied once.
		const n = 4
		stores := make([]*Store, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				stores[i], errs[i] = Open(ctx, Config{Driver: driver, DSN: dsn})
			}()
		}
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i])
			require.NoError(t, stores[i].Close())
		}

		s, err := Open(ctx, Config{Driver: driver, DSN: dsn}) // reopen: nothing to do
		require.NoError(t, err)
		defer s.Close()
		v, err := s.SchemaVersion(ctx)
		require.NoError(t, err)
		want, err := migrations(s.dialect)
		require.NoError(t, err)
		assert.Equal(t, want[len(want)-1].version, v)
		var rows int
		require.NoError(t, s.db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&rows))
		assert.Equal(t, len(want), rows)
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		dsn := storetest.DSN(t, driver)
		s, err := Open(ctx, Config{Driver: driver, DSN: dsn})
		require.NoError(t, err)
		_, err = s.db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)")
		require.NoError(t, err)
		require.NoError(t, s.Close())
		_, err = Open(ctx, Config{Driver: driver, DSN: dsn})
		assert.ErrorContains(t, err, "newer")
	})
}

func TestOpenRejectsBadConfig(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []Config{
		{Driver: "mysql", DSN: "x"},
		{Driver: "sqlite", DSN: ""},
		{Driver: "postgres", DSN: ""},
	} {
		_, err := Open(ctx, cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestSQLitePragmas(t *testing.T) {
	s := openStore(t, "sqlite")
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"synchronous":  "1", // NORMAL
		"busy_timeout": sqliteBusyTimeoutMs,
		"foreign_keys": "1",
		"page_size":    sqlitePageSize,
	} {
		var got string
		require.NoError(t, s.db.QueryRow("PRAGMA "+pragma).Scan(&got))
		assert.Equal(t, want, got, pragma)
	}
}

// TestWriteOrderIndependent writes the scenario in many orders and batch
// splits, each twice, and requires identical tables every time.
func TestWriteOrderIndependent(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ref := openStore(t, driver)
		write(t, ref, scenarioFacts()...)
		want := dumpTables(t, ref)

		orders := map[string]func([]facts.Fact){
			"forward": func([]facts.Fact) {},
			"reverse": func(fs []facts.Fact) {
				for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
					fs[i], fs[j] = fs[j], fs[i]
				}
			},
		}
		for seed := int64(1); seed <= 3; seed++ {
			orders["shuffle"+string(rune('0'+seed))] = func(fs []facts.Fact) {
				rand.New(rand.NewSource(seed)).Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
			}
		}
		for name, reorder := range orders {
			for _, size := range []int{1, 4, 1000} {
				fs := scenarioFacts()
				reorder(fs)
				s := openStore(t, driver)
				for pass := 0; pass < 2; pass++ { // the second pass is a replay
					for start := 0; start < len(fs); start += size {
						write(t, s, fs[start:min(start+size, len(fs))]...)
					}
				}
				assert.Equal(t, want, dumpTables(t, s), "order %s, batches of %d", name, size)
				require.NoError(t, s.Close()) // keep few PostgreSQL connections open at once
			}
		}
	})
}

func TestWriteIdempotent(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, scenarioFacts()...)
		first := dumpTables(t, s)
		for range 3 {
			write(t, s, scenarioFacts()...)
		}
		assert.Equal(t, first, dumpTables(t, s))
		// Empty and key-less inputs are no-ops.
		write(t, s)
		assert.Equal(t, first, dumpTables(t, s))
	})
}

// TestAPIRequestDedup checks ccusage's keep-max rule on the stored row.
func TestAPIRequestDedup(t *testing.T) {
	u := func(in, out int64) facts.Usage { return facts.Usage{Input: in, Output: out} }
	side := func(f facts.Fact) facts.Fact { f.IsSidechain = true; return f }
	copyA := apiFact("m", "a", "opus", at(0), u(100, 10), 1)
	tests := []struct {
		name       string
		copies     []facts.Fact
		wantOut    int64
		wantSess   string
		wantSidech int64
	}{
		{"partial output lines keep the max", []facts.Fact{copyA, apiFact("m", "a", "opus", at(0), u(100, 441), 2), apiFact("m", "a", "opus", at(0), u(100, 30), 3)}, 441, "a", 0},
		{"non-sidechain beats a larger sidechain copy", []facts.Fact{side(apiFact("m", "b", "opus", at(0), u(100, 900), 9)), apiFact("m", "a", "opus", at(0), u(100, 20), 2)}, 20, "a", 0},
		{"between sidechain copies the max wins", []facts.Fact{side(apiFact("m", "b", "opus", at(0), u(100, 50), 9)), side(apiFact("m", "c", "opus", at(0), u(100, 60), 2))}, 60, "c", 1},
		// ccusage keeps the copy it read first, i.e. the earlier line; the day
		// the usage counts on follows it (equal streamed blocks can straddle
		// midnight).
		{"equal totals: the earlier line wins", []facts.Fact{apiFact("m", "b", "opus", at(time.Second), u(100, 10), 1), apiFact("m", "c", "opus", at(0), u(100, 10), 1)}, 10, "c", 0},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for _, reversed := range []bool{false, true} {
					s := openStore(t, driver)
					for i := range tt.copies {
						j := i
						if reversed {
							j = len(tt.copies) - 1 - i
						}
						write(t, s, tt.copies[j]) // one batch per copy: the SQL rule decides
					}
					var out, sidechain int64
					var sess string
					require.NoError(t, s.db.QueryRow(s.dialect.rebind(
						"SELECT tokens_output, session_id, is_sidechain FROM telemetry_events WHERE fact_key = ?"), "req:m").
						Scan(&out, &sess, &sidechain))
					assert.Equal(t, tt.wantOut, out)
					assert.Equal(t, tt.wantSess, sess)
					assert.Equal(t, tt.wantSidech, sidechain)

					// The session that lost the copy has no tokens left.
					rows, err := s.db.Query("SELECT session_id, tokens_output FROM sessions")
					require.NoError(t, err)
					for rows.Next() {
						var id string
						var tok int64
						require.NoError(t, rows.Scan(&id, &tok))
						if id == tt.wantSess {
							assert.Equal(t, tt.wantOut, tok, id)
						} else {
							assert.Zero(t, tok, id)
						}
					}
					require.NoError(t, rows.Err())
					rows.Close()
					require.NoError(t, s.Close())
				}
			})
		}
	})
}

func TestToolCallMerge(t *testing.T) {
	type row struct {
		session, tool       string
		started, ended, dur sql.NullInt64
		isErr, exit         sql.NullInt64
		failure             string
		atMs, bucket        int64
	}
	ms := func(d time.Duration) sql.NullInt64 { return sql.NullInt64{Int64: at(d).UnixMilli(), Valid: true} }
	n := func(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
	start := toolUse("t", "s", "Bash", at(time.Minute))
	end := toolResult("t", "s", at(time.Minute+1500*time.Millisecond), true, 7000)
	end.ToolName = "" // results often do not repeat the name
	tests := []struct {
		name  string
		facts []facts.Fact
		want  row
	}{
		{"start only", []facts.Fact{start}, row{session: "s", tool: "Bash", started: ms(time.Minute),
			atMs: at(time.Minute).UnixMilli(), bucket: at(0).Unix()}},
		{"end only: reported duration", []facts.Fact{end}, row{session: "s", ended: ms(time.Minute + 1500*time.Millisecond),
			dur: n(7000), isErr: n(1), exit: n(1), failure: "exit_code",
			atMs: at(time.Minute + 1500*time.Millisecond).UnixMilli(), bucket: at(0).Unix()}},
		{"both: measured duration", []facts.Fact{start, end}, row{session: "s", tool: "Bash", started: ms(time.Minute),
			ended: ms(time.Minute + 1500*time.Millisecond), dur: n(1500), isErr: n(1), exit: n(1), failure: "exit_code",
			atMs: at(time.Minute).UnixMilli(), bucket: at(0).Unix()}},
	}
	forEachDriver(t, func(t *testing.T, driver string) {
		for _, tt := range tests {
			for _, order := range []string{"forward", "reverse", "one batch"} {
				t.Run(tt.name+"/"+order, func(t *testing.T) {
					s := openStore(t, driver)
					switch order {
					case "forward":
						for _, f := range tt.facts {
							write(t, s, f)
						}
					case "reverse":
						for i := len(tt.facts) - 1; i >= 0; i-- {
							write(t, s, tt.facts[i])
						}
					default:
						write(t, s, tt.facts...)
					}
					var got row
					require.NoError(t, s.db.QueryRow(`SELECT session_id, tool_name, started_ms, ended_ms, duration_ms,
    is_error, exit_code, failure_class, at_ms, bucket FROM tool_calls WHERE tool_use_id = 't'`).Scan(
						&got.session, &got.tool, &got.started, &got.ended, &got.dur, &got.isErr, &got.exit, &got.failure,
						&got.atMs, &got.bucket))
					assert.Equal(t, tt.want, got)
					require.NoError(t, s.Close())
				})
			}
		}
	})
}

// TestScenarioTables checks the derived tables of the scenario.
func TestScenarioTables(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		write(t, s, scenarioFacts()...)

		type sess struct {
			parent, root, stype, agentType, project, branch, version, status  string
			first, last, depth, api, in, out, cc, cc1h, cr, cost, calls, errs int64
		}
		got := map[string]sess{}
		rows, err := s.db.Query(`SELECT session_id, parent_session_id, root_session_id, session_type, agent_type, project,
    git_branch, version, status, first_seen_ms, last_seen_ms, depth, api_requests, tokens_input, tokens_output,
    tokens_cache_creation, tokens_cache_creation_1h, tokens_cache_read, cost_nanos, tool_calls, tool_errors FROM sessions`)
		require.NoError(t, err)
		for rows.Next() {
			var id string
			var r sess
			require.NoError(t, rows.Scan(&id, &r.parent, &r.root, &r.stype, &r.agentType, &r.project, &r.branch,
				&r.version, &r.status, &r.first, &r.last, &r.depth, &r.api, &r.in, &r.out, &r.cc, &r.cc1h, &r.cr,
				&r.cost, &r.calls, &r.errs))
			got[id] = r
		}
		require.NoError(t, rows.Err())
		rows.Close()
		ms := func(d time.Duration) int64 { return at(d).UnixMilli() }
		assert.Equal(t, map[string]sess{
			sMain: {root: sMain, stype: "main", project: "/p", branch: "feature", version: "2.1.1", status: "active",
				first: ms(0), last: ms(30 * time.Minute), api: 2, in: 105, out: 741, cc: 1500, cc1h: 500, cr: 20000,
				cost: 3_441_000, calls: 2, errs: 1},
			sAgent: {parent: sMain, root: sMain, stype: "subagent", agentType: "general-purpose", project: "/p",
				version: "2.1.0", status: "completed", first: ms(2 * time.Minute), last: ms(4 * time.Minute), depth: 1,
				api: 1, in: 7, out: 70, cr: 700, cost: 123_456_789, calls: 1},
			sOther: {root: sOther, stype: "main", project: "/q", version: "2.1.0", first: ms(19 * time.Minute),
				last: ms(26 * time.Hour), api: 2, in: 12, out: 24, cc: 33, cr: 44, cost: 1_500_000_031, calls: 1},
		}, got)

		type usage struct{ calls, ok, errs, total int64 }
		gotUsage := map[string]usage{}
		rows, err = s.db.Query("SELECT session_id, tool_name, call_count, success_count, error_count, total_ms FROM session_tool_usage")
		require.NoError(t, err)
		for rows.Next() {
			var id, tool string
			var u usage
			require.NoError(t, rows.Scan(&id, &tool, &u.calls, &u.ok, &u.errs, &u.total))
			gotUsage[id+" "+tool] = u
		}
		require.NoError(t, rows.Err())
		rows.Close()
		assert.Equal(t, map[string]usage{
			sMain + " Bash":  {1, 1, 0, 2500},
			sMain + " Read":  {1, 0, 1, 1234},
			sAgent + " Grep": {1, 1, 0, 500},
			sOther + " Edit": {1, 0, 0, 0},
		}, gotUsage)

		var path string
		var adds, dels int64
		require.NoError(t, s.db.QueryRow("SELECT file_path, additions, deletions FROM file_updates").Scan(&path, &adds, &dels))
		assert.Equal(t, []any{"/p/a.go", int64(12), int64(3)}, []any{path, adds, dels})

		var payload string
		require.NoError(t, s.db.QueryRow("SELECT payload_json FROM telemetry_events WHERE fact_key = 'prompt:u1'").Scan(&payload))
		assert.JSONEq(t, `{"payload":{"prompt":"fix the \"bug\"\n"}}`, payload)
	})
}

func TestDepthFollowsLateParentLinks(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		s := openStore(t, driver)
		// The grandchild arrives first, its parent's own link later.
		write(t, s, facts.Fact{Key: "k1", Event: facts.EventUserPrompt, Time: at(0),
			SessionID: "r/agent-a/agent-b", ParentSessionID: "r/agent-a", RootSessionID: "r"})
		write(t, s, facts.Fact{Key: "k2", Event: facts.EventUserPrompt, Time: at(0),
			SessionID: "r/agent-a", ParentSessionID: "r", RootSessionID: "r"})
		write(t, s, facts.Fact{Key: "k3", Event: facts.EventUserPrompt, Time: at(0), SessionID: "r"})
		depth := map[string]int64{}
		rows, err := s.db.Query("SELECT session_id, depth FROM sessions")
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var id string
			var d int64
			require.NoError(t, rows.Scan(&id, &d))
			depth[id] = d
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, map[string]int64{"r": 0, "r/agent-a": 1, "r/agent-a/agent-b": 2}, depth)
	})
}

func TestStatus(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		s := openStore(t, driver)
		st, err := s.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, &Status{}, st, "no reporter yet: backfill not complete")

		write(t, s, scenarioFacts()...)
		st, err = s.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, &Status{BackfillComplete: true, FilesTotal: 8, FilesCaughtUp: 6, LinesRead: 60, BadLines: 2,
			EventsStored: 16, LagSeconds: 2.25}, st)

		// An older report of a reporter does not replace its latest one.
		write(t, s, facts.Fact{Key: "ingest:x", Event: facts.EventIngestProgress, Time: at(0),
			IngestInfo: &facts.IngestProgress{Reporter: "host-b/claude_code", LinesRead: 1}})
		st2, err := s.Status(ctx)
		require.NoError(t, err)
		assert.Equal(t, st, st2)

		// A reporter still backfilling makes the whole status incomplete.
		write(t, s, facts.Fact{Key: "ingest:c", Event: facts.EventIngestProgress, Time: at(time.Hour),
			IngestInfo: &facts.IngestProgress{Reporter: "host-c/claude_code", LinesRead: 1}})
		st, err = s.Status(ctx)
		require.NoError(t, err)
		assert.False(t, st.BackfillComplete)
	})
}
