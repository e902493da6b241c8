package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// Tasks and features (migration 0002). A ccdash.task.status fact is one
// observation "task T of feature F had status S at time t"; it becomes a
// task_transitions row keyed by (F, T, S, t). Everything else — each
// observation's from_status, the tasks row (current state = latest
// observation) and the features counters — is recomputed from the stored
// observations of the touched features inside the write transaction, so
// replays, batch splits and arrival order change nothing.

// taskObsRow is one task_transitions row as written (from_status is derived).
type taskObsRow struct {
	featureID, taskID, status string
	atMs                      int64
	rawStatus, phase, title   string
	project, sourceFile       string
	reportedDoneMs            sql.NullInt64
}

// featureRow is the descriptive part of a features row (ccdash.feature).
type featureRow struct {
	featureID, title, project, sourceFile, declaredStatus string
	updatedMs                                             int64
}

// taskBatch holds a batch's task and feature rows, one per key, in key order.
type taskBatch struct {
	obs      []taskObsRow
	features []featureRow
}

func (b *taskBatch) empty() bool { return len(b.obs)+len(b.features) == 0 }

func newTaskBatch(fs []facts.Fact) taskBatch {
	var obs map[[4]string]taskObsRow
	var feats map[string]featureRow
	for i := range fs {
		f := &fs[i]
		switch {
		case f.Event == facts.EventTaskStatus && f.FeatureID != "" && f.TaskID != "":
			r := newTaskObsRow(f)
			if obs == nil {
				obs = map[[4]string]taskObsRow{}
			}
			// Same key twice: the later one, like the upsert below.
			obs[r.key()] = r
		case f.Event == facts.EventFeature && f.FeatureID != "":
			r := featureRow{featureID: f.FeatureID, title: f.Title, project: f.Project, sourceFile: f.SourceFile,
				declaredStatus: f.Status, updatedMs: unixMs(f.Time)}
			if feats == nil {
				feats = map[string]featureRow{}
			}
			if old, ok := feats[r.featureID]; !ok || r.newerThan(old) {
				feats[r.featureID] = r
			}
		}
	}
	var b taskBatch
	for _, r := range obs {
		b.obs = append(b.obs, r)
	}
	slices.SortFunc(b.obs, func(x, y taskObsRow) int {
		kx, ky := x.key(), y.key()
		return slices.Compare(kx[:], ky[:])
	})
	for _, r := range feats {
		b.features = append(b.features, r)
	}
	slices.SortFunc(b.features, func(x, y featureRow) int { return strings.Compare(x.featureID, y.featureID) })
	return b
}

func newTaskObsRow(f *facts.Fact) taskObsRow {
	r := taskObsRow{
		featureID: f.FeatureID, taskID: f.TaskID, status: f.Status, atMs: unixMs(f.Time),
		phase: f.Phase, title: f.Title, project: f.Project, sourceFile: f.SourceFile,
	}
	var p progress.TaskPayload
	if f.Payload != "" && json.Unmarshal([]byte(f.Payload), &p) == nil {
		r.rawStatus = p.RawStatus
		if p.CompletedAtMs != 0 {
			r.reportedDoneMs = sql.NullInt64{Int64: p.CompletedAtMs, Valid: true}
		}
	}
	return r
}

// key is the row's primary key; the time is zero-padded so keys sort by it.
func (r *taskObsRow) key() [4]string {
	return [4]string{r.featureID, r.taskID, r.status, string(appendPadded(nil, nonNeg(r.atMs), 20))}
}

// newerThan is the Go twin of featureUpsert's WHERE: the newest feature fact
// wins, ties broken by the remaining columns so the winner never depends on
// arrival order.
func (r featureRow) newerThan(o featureRow) bool {
	if c := cmp.Compare(r.updatedMs, o.updatedMs); c != 0 {
		return c > 0
	}
	return slices.Compare(
		[]string{r.sourceFile, r.title, r.declaredStatus, r.project},
		[]string{o.sourceFile, o.title, o.declaredStatus, o.project}) > 0
}

var taskObsColumns = []string{
	"feature_id", "task_id", "to_status", "at_ms",
	"raw_status", "phase", "title", "project", "source_file", "reported_done_ms",
}

func (r *taskObsRow) appendArgs(dst []any) []any {
	var done any
	if r.reportedDoneMs.Valid {
		done = r.reportedDoneMs.Int64
	}
	return append(dst, r.featureID, r.taskID, r.status, r.atMs,
		r.rawStatus, r.phase, r.title, r.project, r.sourceFile, done)
}

var taskObsUpsert = &upsert{
	table:   "task_transitions",
	columns: taskObsColumns,
	conflict: `ON CONFLICT (feature_id, task_id, to_status, at_ms) DO UPDATE SET
    raw_status = excluded.raw_status, phase = excluded.phase, title = excluded.title,
    project = excluded.project, source_file = excluded.source_file, reported_done_ms = excluded.reported_done_ms`,
	rowsPerStmt: 100,
}

var featureColumns = []string{"feature_id", "title", "project", "source_file", "declared_status", "updated_ms"}

func (r *featureRow) appendArgs(dst []any) []any {
	return append(dst, r.featureID, r.title, r.project, r.sourceFile, r.declaredStatus, r.updatedMs)
}

// featureUpsert: the newest feature fact wins (row-value comparison; both
// dialects compare TEXT bytewise, see the migrations).
var featureUpsert = &upsert{
	table:   "features",
	columns: featureColumns,
	conflict: `ON CONFLICT (feature_id) DO UPDATE SET
    ` + setExcluded(featureColumns) + `
WHERE (excluded.updated_ms, excluded.source_file, excluded.title, excluded.declared_status, excluded.project)
    > (features.updated_ms, features.source_file, features.title, features.declared_status, features.project)`,
	rowsPerStmt: 100,
}

// writeTasks stores the batch's observations and feature facts, then
// recomputes the derived task and feature rows of every touched feature.
func (w *writer) writeTasks(ctx context.Context, tx *sql.Tx, d dialect, b *taskBatch) error {
	if b.empty() {
		return nil
	}
	if err := w.execRows(ctx, d, taskObsUpsert, len(b.obs), func(i int, dst []any) []any { return b.obs[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	if err := w.execRows(ctx, d, featureUpsert, len(b.features), func(i int, dst []any) []any { return b.features[i].appendArgs(dst) }, nil); err != nil {
		return err
	}
	touched := map[string]struct{}{}
	for i := range b.obs {
		touched[b.obs[i].featureID] = struct{}{}
	}
	for i := range b.features {
		touched[b.features[i].featureID] = struct{}{}
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return recomputeTasks(ctx, tx, d, ids)
}

// storedObs is a task_transitions row as read back.
type storedObs struct {
	taskObsRow
	fromStatus string
}

// recomputeTasks derives from_status, the tasks rows and the features
// counters of the given features from their stored observations.
func recomputeTasks(ctx context.Context, tx *sql.Tx, d dialect, featureIDs []string) error {
	return inChunks(featureIDs, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, d.rebind(`SELECT feature_id, task_id, to_status, at_ms, from_status,
    raw_status, phase, title, project, source_file, reported_done_ms
FROM task_transitions WHERE feature_id IN (`+placeholders(len(chunk))+`)`), chunk...)
		if err != nil {
			return err
		}
		byTask := map[[2]string][]storedObs{}
		for rows.Next() {
			var o storedObs
			if err := rows.Scan(&o.featureID, &o.taskID, &o.status, &o.atMs, &o.fromStatus,
				&o.rawStatus, &o.phase, &o.title, &o.project, &o.sourceFile, &o.reportedDoneMs); err != nil {
				rows.Close()
				return err
			}
			k := [2]string{o.featureID, o.taskID}
			byTask[k] = append(byTask[k], o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		keys := make([][2]string, 0, len(byTask))
		for k := range byTask {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int { return slices.Compare(a[:], b[:]) })
		counts := map[string]*TaskStatusCounts{}
		for _, fid := range chunk {
			counts[fid.(string)] = &TaskStatusCounts{}
		}
		for _, k := range keys {
			obs := byTask[k]
			sortObs(obs)
			prev := ""
			for i := range obs {
				if obs[i].fromStatus != prev {
					if _, err := tx.ExecContext(ctx, d.rebind(`UPDATE task_transitions SET from_status = ?
WHERE feature_id = ? AND task_id = ? AND to_status = ? AND at_ms = ?`),
						prev, obs[i].featureID, obs[i].taskID, obs[i].status, obs[i].atMs); err != nil {
						return err
					}
				}
				prev = obs[i].status
			}
			t := currentTask(obs)
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO tasks (feature_id, task_id, project, phase, title,
    status, raw_status, source_file, first_seen_ms, updated_ms, completed_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (feature_id, task_id) DO UPDATE SET project = excluded.project, phase = excluded.phase,
    title = excluded.title, status = excluded.status, raw_status = excluded.raw_status,
    source_file = excluded.source_file, first_seen_ms = excluded.first_seen_ms,
    updated_ms = excluded.updated_ms, completed_ms = excluded.completed_ms`),
				t.featureID, t.taskID, t.project, t.phase, t.title, t.status, t.rawStatus, t.sourceFile,
				t.firstSeenMs, t.updatedMs, t.completedMs); err != nil {
				return err
			}
			counts[t.featureID].add(t.status)
		}
		for _, fid := range chunk {
			c := counts[fid.(string)]
			if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO features (feature_id, status, tasks_total, tasks_done,
    tasks_deferred, tasks_in_progress, tasks_blocked, tasks_pending, tasks_unknown)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (feature_id) DO UPDATE SET status = excluded.status, tasks_total = excluded.tasks_total,
    tasks_done = excluded.tasks_done, tasks_deferred = excluded.tasks_deferred,
    tasks_in_progress = excluded.tasks_in_progress, tasks_blocked = excluded.tasks_blocked,
    tasks_pending = excluded.tasks_pending, tasks_unknown = excluded.tasks_unknown`),
				fid, c.featureStatus(), c.Total(), c.Done, c.Deferred, c.InProgress, c.Blocked, c.Pending, c.Unknown); err != nil {
				return err
			}
		}
		return nil
	})
}

// sortObs orders a task's observations by time; observations at the same
// instant by status rank (progress.Statuses: the later in the lifecycle
// wins), so "latest" is deterministic.
func sortObs(obs []storedObs) {
	slices.SortFunc(obs, func(a, b storedObs) int {
		if c := cmp.Compare(a.atMs, b.atMs); c != 0 {
			return c
		}
		if c := cmp.Compare(progress.StatusRank(a.status), progress.StatusRank(b.status)); c != 0 {
			return c
		}
		return strings.Compare(a.status, b.status)
	})
}

// statusRankSQL is the SQL twin of progress.StatusRank for a column.
func statusRankSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, s := range progress.Statuses {
		b.WriteString(" WHEN '" + s + "' THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE -1 END")
	return b.String()
}

type taskState struct {
	taskObsRow
	firstSeenMs, updatedMs int64
	completedMs            sql.NullInt64
}

// currentTask derives a tasks row from a task's sorted observations: the
// latest one gives the status and descriptive columns; completed_ms is set
// while the task is done, from the first observation of its final run of
// done observations (its reported completed time when the file gave one).
func currentTask(obs []storedObs) taskState {
	last := obs[len(obs)-1]
	t := taskState{taskObsRow: last.taskObsRow, firstSeenMs: obs[0].atMs, updatedMs: last.atMs}
	if last.status != progress.StatusDone {
		return t
	}
	i := len(obs) - 1
	for i > 0 && obs[i-1].status == progress.StatusDone {
		i--
	}
	if obs[i].reportedDoneMs.Valid {
		t.completedMs = obs[i].reportedDoneMs
	} else {
		t.completedMs = sql.NullInt64{Int64: obs[i].atMs, Valid: true}
	}
	return t
}
