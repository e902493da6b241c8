package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// taskFact is one observation of a task, shaped like the receiver's.
func taskFact(feature, task, phase, status string, ts time.Time, completedAt time.Time) facts.Fact {
	p := progress.TaskPayload{RawStatus: status + "-raw"}
	if !completedAt.IsZero() {
		p.CompletedAtMs = completedAt.UnixMilli()
	}
	payload, _ := json.Marshal(p)
	return facts.Fact{
		Key:   fmt.Sprintf("task:%s/%s:%s@%d", feature, task, status, ts.UnixMilli()),
		Event: facts.EventTaskStatus, Time: ts, Project: "/p",
		FeatureID: feature, TaskID: task, Phase: phase, Title: "title " + task, Status: status,
		SourceFile: "/p/.claude/progress/" + feature + "/phase-" + phase + "-progress.md",
		Payload:    string(payload),
	}
}

func featureFact(feature, file, title, status string, ts time.Time) facts.Fact {
	return facts.Fact{
		Key: "feature:" + feature + ":" + file, Event: facts.EventFeature, Time: ts, Project: "/p",
		FeatureID: feature, Title: title, Status: status, SourceFile: "/p/.claude/progress/" + feature + "/" + file,
	}
}

// taskScenario: feature f1 has two phases, one task walked through its
// lifecycle; f2 is all deferred.
func taskScenario() []facts.Fact {
	return []facts.Fact{
		featureFact("f1", "phase-1-progress.md", "Phase one", progress.StatusInProgress, at(0)),
		featureFact("f1", "phase-2-progress.md", "Phase two", progress.StatusPending, at(time.Minute)),
		// t1: pending → in_progress → done (reported completed earlier than
		// the observation) → done again (a re-observation, not a transition).
		taskFact("f1", "t1", "1", progress.StatusPending, at(0), time.Time{}),
		taskFact("f1", "t1", "1", progress.StatusInProgress, at(time.Hour), time.Time{}),
		taskFact("f1", "t1", "1", progress.StatusDone, at(2*time.Hour), at(90*time.Minute)),
		taskFact("f1", "t1", "1", progress.StatusDone, at(3*time.Hour), at(90*time.Minute)),
		taskFact("f1", "t2", "1", progress.StatusDone, at(0), time.Time{}),
		taskFact("f1", "t3", "1", progress.StatusDeferred, at(0), time.Time{}),
		taskFact("f1", "t4", "1", progress.StatusBlocked, at(0), time.Time{}),
		taskFact("f1", "t5", "2", progress.StatusPending, at(0), time.Time{}),
		taskFact("f1", "t6", "2", progress.StatusUnknown, at(0), time.Time{}),
		// t7: two statuses observed at the same instant: done wins (rank).
		taskFact("f1", "t7", "2", progress.StatusInProgress, at(time.Hour), time.Time{}),
		taskFact("f1", "t7", "2", progress.StatusDone, at(time.Hour), time.Time{}),
		taskFact("f2", "x1", "1", progress.StatusDeferred, at(0), time.Time{}),
	}
}

func dumpTaskTables(t testing.TB, s *Store) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM task_transitions ORDER BY feature_id, task_id, at_ms, to_status",
		"SELECT * FROM tasks ORDER BY feature_id, task_id",
		"SELECT * FROM features ORDER BY feature_id",
	} {
		rows, err := s.db.Query(q)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
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

func TestTasksContract(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		ctx := context.Background()
		s := openStore(t, driver)
		write(t, s, taskScenario()...)

		counts, err := s.TaskCounts(ctx, TaskFilter{})
		require.NoError(t, err)
		type row struct {
			feature, phase string
			c              TaskStatusCounts
		}
		var got []row
		for _, c := range counts {
			got = append(got, row{c.FeatureID, c.Phase, c.TaskStatusCounts})
		}
		assert.Equal(t, []row{
			{"f1", "1", TaskStatusCounts{Done: 2, Deferred: 1, Blocked: 1}},
			{"f1", "2", TaskStatusCounts{Done: 1, Pending: 1, Unknown: 1}},
			{"f2", "1", TaskStatusCounts{Deferred: 1}},
		}, got)
		// f1 phase 1: 2 done of 4 - 1 deferred = 66.67 %; f2: nothing countable.
		pct, _ := json.Marshal(counts[0].CompletionPct)
		assert.Equal(t, "66.666666667", string(pct))
		assert.True(t, counts[2].CompletionPct.IsNull())

		// As of 90 minutes: t1 was in progress, t7 done (observed at 1h).
		asOf, err := s.TaskCounts(ctx, TaskFilter{Features: []string{"f1"}, AsOf: at(90 * time.Minute)})
		require.NoError(t, err)
		require.Len(t, asOf, 2)
		assert.Equal(t, TaskStatusCounts{Done: 1, Deferred: 1, Blocked: 1, InProgress: 1}, asOf[0].TaskStatusCounts)
		assert.Equal(t, TaskStatusCounts{Done: 1, Pending: 1, Unknown: 1}, asOf[1].TaskStatusCounts)
		// Far in the future: the same as the current status.
		future, err := s.TaskCounts(ctx, TaskFilter{AsOf: at(1000 * time.Hour)})
		require.NoError(t, err)
		assert.Equal(t, counts, future)
		// Filters.
		none, err := s.TaskCounts(ctx, TaskFilter{Projects: []string{"/other"}})
		require.NoError(t, err)
		assert.Empty(t, none)
		one, err := s.TaskCounts(ctx, TaskFilter{Tasks: []string{"t4"}})
		require.NoError(t, err)
		assert.Equal(t, []TaskCount{{FeatureID: "f1", Phase: "1", TaskStatusCounts: TaskStatusCounts{Blocked: 1},
			CompletionPct: ratioValue(0, 1)}}, one)

		// The task row: current status, completion from the reported time
		// of the first observation of the final done run.
		var status, raw string
		var first, updated int64
		var completed *int64
		require.NoError(t, s.db.QueryRow(s.dialect.rebind(`SELECT status, raw_status, first_seen_ms, updated_ms, completed_ms
FROM tasks WHERE feature_id = ? AND task_id = ?`), "f1", "t1").Scan(&status, &raw, &first, &updated, &completed))
		assert.Equal(t, progress.StatusDone, status)
		assert.Equal(t, "done-raw", raw)
		assert.Equal(t, at(0).UnixMilli(), first)
		assert.Equal(t, at(3*time.Hour).UnixMilli(), updated)
		require.NotNil(t, completed)
		assert.Equal(t, at(90*time.Minute).UnixMilli(), *completed)

		// Transitions with derived from_status (t1).
		rows, err := s.db.Query(s.dialect.rebind(`SELECT from_status, to_status FROM task_transitions
WHERE feature_id = ? AND task_id = ? ORDER BY at_ms`), "f1", "t1")
		require.NoError(t, err)
		var chain []string
		for rows.Next() {
			var from, to string
			require.NoError(t, rows.Scan(&from, &to))
			chain = append(chain, from+">"+to)
		}
		require.NoError(t, rows.Close())
		assert.Equal(t, []string{">pending", "pending>in_progress", "in_progress>done", "done>done"}, chain)

		// Features: the newest feature fact's columns, counters from tasks.
		var title, fstatus string
		var total, done, deferred int64
		require.NoError(t, s.db.QueryRow(s.dialect.rebind(`SELECT title, status, tasks_total, tasks_done, tasks_deferred
FROM features WHERE feature_id = ?`), "f1").Scan(&title, &fstatus, &total, &done, &deferred))
		assert.Equal(t, "Phase two", title)
		assert.Equal(t, progress.StatusInProgress, fstatus)
		assert.Equal(t, []int64{7, 3, 1}, []int64{total, done, deferred})
		require.NoError(t, s.db.QueryRow(s.dialect.rebind(`SELECT status FROM features WHERE feature_id = ?`), "f2").Scan(&fstatus))
		assert.Equal(t, progress.StatusDeferred, fstatus)

		// Overview KPIs.
		ov, err := s.Overview(ctx, OverviewQuery{})
		require.NoError(t, err)
		assert.EqualValues(t, 3, ov.KPIs[KPITasksDone].Raw())
		assert.EqualValues(t, 2, ov.KPIs[KPITasksDeferred].Raw())
		js, _ := json.Marshal(ov.KPIs[KPITasksCompletionPct])
		assert.Equal(t, "50", string(js), "3 done of 8 tasks - 2 deferred")
	})
}

// TestTasksIdempotent: re-writes, reversed order and any batch split leave
// identical tables.
func TestTasksIdempotent(t *testing.T) {
	forEachDriver(t, func(t *testing.T, driver string) {
		fs := taskScenario()
		ref := openStore(t, driver)
		write(t, ref, fs...)
		want := dumpTaskTables(t, ref)
		write(t, ref, fs...)
		assert.Equal(t, want, dumpTaskTables(t, ref), "re-writing the same facts changes nothing")

		rev := slices.Clone(fs)
		slices.Reverse(rev)
		s := openStore(t, driver)
		for _, f := range rev {
			write(t, s, f)
		}
		assert.Equal(t, want, dumpTaskTables(t, s), "one fact per batch, reversed")

		s2 := openStore(t, driver)
		write(t, s2, rev[:5]...)
		write(t, s2, fs...)
		write(t, s2, rev[5:]...)
		assert.Equal(t, want, dumpTaskTables(t, s2), "overlapping batches")
	})
}

func TestFeatureStatusSummary(t *testing.T) {
	for _, tc := range []struct {
		c    TaskStatusCounts
		want string
	}{
		{TaskStatusCounts{}, ""},
		{TaskStatusCounts{Done: 2, Deferred: 1}, progress.StatusDone},
		{TaskStatusCounts{Deferred: 2}, progress.StatusDeferred},
		{TaskStatusCounts{Done: 1, Pending: 1}, progress.StatusInProgress},
		{TaskStatusCounts{InProgress: 1, Blocked: 1}, progress.StatusInProgress},
		{TaskStatusCounts{Blocked: 1, Pending: 3}, progress.StatusBlocked},
		{TaskStatusCounts{Pending: 3, Unknown: 1}, progress.StatusPending},
		{TaskStatusCounts{Unknown: 1}, progress.StatusUnknown},
	} {
		assert.Equal(t, tc.want, tc.c.featureStatus(), "%+v", tc.c)
	}
}

func TestStatusRankSQLMatchesGo(t *testing.T) {
	q := statusRankSQL("x")
	for i, st := range progress.Statuses {
		assert.Contains(t, q, fmt.Sprintf("WHEN '%s' THEN %d", st, i))
		assert.Equal(t, i, progress.StatusRank(st))
	}
}
