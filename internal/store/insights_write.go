package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// toolInputRow is one tool_inputs row: the input hash and command class of
// a tool call (migration 0007).
type toolInputRow struct {
	id, hash, class string
}

// newToolInputRows folds the batch's tool facts into one row per tool_use
// id, in id order. The greater string wins on both columns, the twin of
// toolInputUpsert, so the row does not depend on arrival order ("" loses to
// any value).
func newToolInputRows(fs []facts.Fact) []toolInputRow {
	var rows map[string]toolInputRow
	for i := range fs {
		f := &fs[i]
		if (f.Event != facts.EventToolUse && f.Event != facts.EventToolResult) || f.ToolUseID == "" ||
			(f.InputHash == "" && f.CommandClass == "") || f.Native != nil {
			continue
		}
		if rows == nil {
			rows = make(map[string]toolInputRow)
		}
		r := rows[f.ToolUseID]
		r.id = f.ToolUseID
		r.hash = max(r.hash, f.InputHash)
		r.class = max(r.class, f.CommandClass)
		rows[f.ToolUseID] = r
	}
	out := make([]toolInputRow, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b toolInputRow) int { return strings.Compare(a.id, b.id) })
	return out
}

// toolInputUpsert keeps the greater value of each column; a replay changes
// nothing and writes nothing.
var toolInputUpsert = &upsert{
	table:   "tool_inputs",
	columns: []string{"tool_use_id", "input_hash", "command_class"},
	conflict: `ON CONFLICT (tool_use_id) DO UPDATE SET
    input_hash = CASE WHEN excluded.input_hash > tool_inputs.input_hash THEN excluded.input_hash ELSE tool_inputs.input_hash END,
    command_class = CASE WHEN excluded.command_class > tool_inputs.command_class THEN excluded.command_class ELSE tool_inputs.command_class END
WHERE excluded.input_hash > tool_inputs.input_hash OR excluded.command_class > tool_inputs.command_class`,
	rowsPerStmt: 500,
	insertFirst: true,
}

// writeToolInputs upserts the batch's tool_inputs rows (inside Write's
// transaction).
func (w *writer) writeToolInputs(ctx context.Context, d dialect, b *batch) error {
	err := w.execRows(ctx, d, toolInputUpsert, len(b.toolInputs), func(i int, dst []any) []any {
		r := &b.toolInputs[i]
		return append(dst, r.id, r.hash, r.class)
	}, nil)
	if err != nil {
		return fmt.Errorf("tool inputs: %w", err)
	}
	return nil
}
