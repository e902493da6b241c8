package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// TaskStatusCounts counts tasks by normalized status (progress.Status*).
// Deferred tasks are counted apart and never as done.
type TaskStatusCounts struct {
	Done       int64 `json:"done"`
	Deferred   int64 `json:"deferred"`
	InProgress int64 `json:"in_progress"`
	Blocked    int64 `json:"blocked"`
	Pending    int64 `json:"pending"`
	Unknown    int64 `json:"unknown"`
}

// Total is the number of tasks, deferred and unknown included.
func (c TaskStatusCounts) Total() int64 {
	return c.Done + c.Deferred + c.InProgress + c.Blocked + c.Pending + c.Unknown
}

// CompletionPct is done / (total - deferred) × 100: deferred tasks leave
// the denominator instead of counting as done or as open. It is a null Value
// when no task is left to count.
func (c TaskStatusCounts) CompletionPct() Value {
	return ratioValue(100*c.Done, c.Total()-c.Deferred)
}

func (c *TaskStatusCounts) add(status string) { c.addN(status, 1) }

func (c *TaskStatusCounts) addN(status string, n int64) {
	switch status {
	case progress.StatusDone:
		c.Done += n
	case progress.StatusDeferred:
		c.Deferred += n
	case progress.StatusInProgress:
		c.InProgress += n
	case progress.StatusBlocked:
		c.Blocked += n
	case progress.StatusPending:
		c.Pending += n
	default:
		c.Unknown += n
	}
}

func (c *TaskStatusCounts) plus(o TaskStatusCounts) {
	c.Done += o.Done
	c.Deferred += o.Deferred
	c.InProgress += o.InProgress
	c.Blocked += o.Blocked
	c.Pending += o.Pending
	c.Unknown += o.Unknown
}

// featureStatus summarizes a feature's tasks: "" without tasks; done when
// every task is done or deferred (deferred when none is done); otherwise
// in_progress if any task is in progress or some are done, else blocked,
// pending or unknown by what is left.
func (c TaskStatusCounts) featureStatus() string {
	switch total := c.Total(); {
	case total == 0:
		return ""
	case c.Done+c.Deferred == total && c.Done == 0:
		return progress.StatusDeferred
	case c.Done+c.Deferred == total:
		return progress.StatusDone
	case c.InProgress > 0 || c.Done > 0:
		return progress.StatusInProgress
	case c.Blocked > 0:
		return progress.StatusBlocked
	case c.Pending > 0:
		return progress.StatusPending
	default:
		return progress.StatusUnknown
	}
}

// TaskFilter selects the tasks TaskCounts counts.
type TaskFilter struct {
	Projects []string // project paths; empty = all
	Features []string // feature ids; empty = all
	Tasks    []string // task ids; empty = all
	// AsOf counts each task by its latest observation before AsOf (the
	// status it had then); zero counts the current status.
	AsOf time.Time
}

// TaskCount is the status counts of one feature phase.
type TaskCount struct {
	FeatureID string `json:"feature_id"`
	Phase     string `json:"phase"`
	TaskStatusCounts
	CompletionPct Value `json:"completion_pct"`
}

// TaskCounts counts tasks by status per feature and phase, ordered by
// feature and phase.
func (s *Store) TaskCounts(ctx context.Context, f TaskFilter) ([]TaskCount, error) {
	var where []string
	var args []any
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		where = append(where, col+" IN ("+placeholders(len(vals))+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	status := "t.status"
	from := "tasks t"
	if !f.AsOf.IsZero() {
		// The latest observation before AsOf, ties by status rank like
		// the write path (sortObs).
		status = "x.to_status"
		from = `tasks t JOIN (SELECT feature_id, task_id, to_status, ROW_NUMBER() OVER (
    PARTITION BY feature_id, task_id ORDER BY at_ms DESC, ` + statusRankSQL("to_status") + ` DESC, to_status DESC) AS rn
  FROM task_transitions WHERE at_ms < ?) x ON x.feature_id = t.feature_id AND x.task_id = t.task_id AND x.rn = 1`
		args = append(args, f.AsOf.UnixMilli())
	}
	in("t.project", f.Projects)
	in("t.feature_id", f.Features)
	in("t.task_id", f.Tasks)
	q := "SELECT t.feature_id, t.phase, " + status + ", COUNT(*) FROM " + from
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " GROUP BY t.feature_id, t.phase, " + status
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: task counts: %w", err)
	}
	defer rows.Close()
	idx := map[[2]string]int{}
	var out []TaskCount
	for rows.Next() {
		var fid, phase, st string
		var n int64
		if err := rows.Scan(&fid, &phase, &st, &n); err != nil {
			return nil, fmt.Errorf("store: task counts: %w", err)
		}
		k := [2]string{fid, phase}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, TaskCount{FeatureID: fid, Phase: phase})
		}
		out[i].addN(st, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: task counts: %w", err)
	}
	for i := range out {
		out[i].CompletionPct = out[i].TaskStatusCounts.CompletionPct()
	}
	slices.SortFunc(out, func(a, b TaskCount) int {
		return cmp.Or(strings.Compare(a.FeatureID, b.FeatureID), strings.Compare(a.Phase, b.Phase))
	})
	return out, nil
}

// SumTaskCounts adds up the counts of several phases.
func SumTaskCounts(cs []TaskCount) TaskStatusCounts {
	var t TaskStatusCounts
	for _, c := range cs {
		t.plus(c.TaskStatusCounts)
	}
	return t
}

// Overview KPIs of tasks (progress files).
const (
	KPITasksDone          = "tasks_done"
	KPITasksDeferred      = "tasks_deferred"
	KPITasksCompletionPct = "tasks_completion_pct"
)

// addTaskKPIs puts the task KPIs into kpis. Tasks are counted by the status
// they had at the end of the window (their current status when the window
// is open-ended), so a window shows how far the work had got by then. Only
// the project, feature and task filters apply: tasks have no model, tool or
// session.
func (s *Store) addTaskKPIs(ctx context.Context, end time.Time, filters Filters, kpis map[string]Value) error {
	cs, err := s.TaskCounts(ctx, TaskFilter{Projects: filters[DimProject], Features: filters[DimFeature], Tasks: filters[DimTask], AsOf: end})
	if err != nil {
		return err
	}
	sum := SumTaskCounts(cs)
	kpis[KPITasksDone] = Value{raw: sum.Done}
	kpis[KPITasksDeferred] = Value{raw: sum.Deferred}
	kpis[KPITasksCompletionPct] = sum.CompletionPct()
	return nil
}
