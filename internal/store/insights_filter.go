package store

import "context"

// Filters on insight queries (InsightQuery.Filters) mean what they mean on
// every metric (see Filters): a filter on a dimension the insight's rows
// carry selects rows, one on another dimension selects the rows of the
// sessions with a matching fact, and feature/task select the threads
// linked to them. Each insight reads rows of a metric source's kind, so
// the source says which dimensions the rows carry (rowDims):
//
//   - retries, loops, commands: tool calls (srcTools: tool, project,
//     session_type);
//   - topology: sessions, and cycle time: pull_request facts (srcEvents:
//     project, session_type);
//   - attribution: API requests (srcAPI: model, model_family, project,
//     session_type).

// checkFilters validates f as aggregate does: names, non-empty values, and
// the entity_links table a feature or task filter reads.
func (s *Store) checkFilters(ctx context.Context, f Filters) error {
	if err := f.validate(); err != nil {
		return err
	}
	for _, d := range []string{DimFeature, DimTask} {
		if _, ok := f[d]; !ok {
			continue
		}
		ok, err := s.hasTable(ctx, "entity_links")
		if err != nil {
			return err
		}
		if !ok {
			return queryErrorf(d, "feature and task need correlation data (the entity_links table), which this store does not have yet")
		}
	}
	return nil
}

// filterConds returns the conditions (AND-ed, each starting with " AND ")
// and their arguments that keep the rows of a row set aliased "r" passing
// f. r holds rows with session_id, the rowColumns of the dimensions
// carries reports, and thread when hasThread. It is the one place the
// filter rules live: aggregate (series_rows.go) and the insights use it.
func (s *Store) filterConds(f Filters, hasThread bool, carries func(dim string) bool) (string, []any) {
	var where string
	var args []any
	for _, d := range sortedKeys(f) {
		vals := f[d]
		in := " IN (" + placeholders(len(vals)) + ")"
		var cond string
		lists := 1 // how many times cond holds the IN list
		switch {
		case (d == DimFeature || d == DimTask) && !hasThread:
			cond, lists = "r.session_id IN ("+threadSessions(d, in)+")", 2
		case d == DimFeature || d == DimTask:
			// EXISTS-like: a thread linked to two matching features counts once.
			cond = "r.thread IN (SELECT thread FROM " + linksTable(d) + " fl WHERE fl.from_id" + in + ")"
		case d == DimAgent || d == DimHost:
			// The sessions of the agent types (hosts), looked up once (an
			// uncorrelated IN), rather than a join with sessions per row: a
			// filter value is never '', so the two agree.
			col := "agent_type"
			if d == DimHost {
				col = "host"
			}
			cond = "r.session_id IN (SELECT session_id FROM sessions WHERE " + col + in + ")"
		case carries(d):
			cond = dimExprs[d] + in
		default:
			cond = s.sessionFilter(d, in)
		}
		where += " AND " + cond
		for range lists {
			for _, v := range vals {
				args = append(args, v)
			}
		}
	}
	return where, args
}

// rowDimsOf is the carries function of filterConds for rows of src's kind.
func rowDimsOf(src metricSource) func(string) bool {
	return func(d string) bool { return hasRowDim(src, d) }
}

// threadKeySQLOf is threadKeySQL over the columns of the table aliased a.
func threadKeySQLOf(a string) string {
	return "CASE WHEN " + a + ".root_session_id <> '' THEN " + a + ".root_session_id ELSE " + a + ".session_id END"
}
