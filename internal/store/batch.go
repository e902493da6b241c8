package store

import (
	"slices"
	"strings"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// batch is one Write call's facts, folded into at most one row per key and
// table, in key order (a fixed lock order keeps concurrent PostgreSQL
// writers from deadlocking).
type batch struct {
	events   []eventRow
	tools    []toolRow
	sessions []sessionRow
	files    []fileRow
	ingest   []ingestRow
	native   *nativeBatch // native Claude Code events (native.go)
	tasks    taskBatch    // task observations and features (tasks.go)
	links    []linkRow    // entity_links (links.go)

	toolInputs []toolInputRow // tool_inputs (insights_write.go)
}

type fileRow struct {
	key, sessionID, toolUseID, toolName, path string
	additions, deletions, occurredAt          int64
}

type ingestRow struct {
	reporter  string
	info      facts.IngestProgress
	updatedAt int64
}

// storedInEvents tells whether a fact gets a telemetry_events row. Session
// facts are folded into sessions (their key repeats with a growing span, so
// a replace-on-key row would depend on arrival order) and ingest progress is
// receiver state kept in ingest_status, not an observation from a transcript.
func storedInEvents(f *facts.Fact) bool {
	return f.Key != "" && f.Event != facts.EventSession && f.Event != facts.EventIngestProgress && f.Native == nil
}

func newBatch(fs []facts.Fact) *batch {
	// Rows are folded in place in slices, found through an index by key:
	// maps of the rows themselves copy every ~300-byte event row each time
	// they grow.
	events := newKeyed[eventRow](len(fs))
	tools := newKeyed[toolRow](0)
	sessions := newKeyed[sessionRow](0)
	files := newKeyed[fileRow](0)
	ingest := newKeyed[ingestRow](0)

	for i := range fs {
		f := &fs[i]
		if skipNative(f) {
			continue
		}
		if f.Event == facts.EventIngestProgress {
			if f.IngestInfo == nil {
				continue
			}
			r := ingestRow{reporter: f.IngestInfo.Reporter, info: *f.IngestInfo, updatedAt: unixMs(f.Time)}
			if r.reporter == "" {
				r.reporter = f.Key
			}
			// Latest report wins; on a tie the later fact (SQL twin: >=).
			if old := ingest.get(r.reporter); old == nil {
				ingest.add(r.reporter, r)
			} else if r.updatedAt >= old.updatedAt {
				*old = r
			}
			continue
		}
		if storedInEvents(f) {
			if old := events.get(f.Key); old == nil {
				events.add(f.Key, newEventRow(f))
			} else if r := newEventRow(f); replacesEvent(*old, r) {
				*old = r
			}
		}
		if f.SessionID != "" {
			r := newSessionRow(f)
			if old := sessions.get(r.id); old == nil {
				sessions.add(r.id, r)
			} else {
				*old = mergeSession(*old, r)
			}
		}
		if (f.Event == facts.EventToolUse || f.Event == facts.EventToolResult) && f.ToolUseID != "" {
			r := newToolRow(f)
			if old := tools.get(r.id); old == nil {
				tools.add(r.id, r)
			} else {
				*old = mergeTool(*old, r)
			}
		}
		if f.Event == facts.EventFileUpdate && f.Key != "" {
			r := fileRow{
				key: f.Key, sessionID: f.SessionID, toolUseID: f.ToolUseID, toolName: f.ToolName,
				path: f.FilePath, additions: f.Additions, deletions: f.Deletions, occurredAt: unixMs(f.Time),
			}
			if old := files.get(r.key); old == nil {
				files.add(r.key, r)
			} else {
				*old = r
			}
		}
	}

	return &batch{
		events:   events.sorted(),
		tools:    tools.sorted(),
		sessions: sessions.sorted(),
		files:    files.sorted(),
		ingest:   ingest.sorted(),
		native:   newNativeBatch(fs),
		tasks:    newTaskBatch(fs),
		links:    newLinkRows(fs),

		toolInputs: newToolInputRows(fs),
	}
}

func (b *batch) eventArgs(i int, dst []any) []any { return b.events[i].appendArgs(dst) }

// replacesEvent is the Go twin of the telemetry_events upsert condition.
func replacesEvent(stored, incoming eventRow) bool {
	if stored.event == facts.EventAPIRequest && incoming.event == facts.EventAPIRequest {
		return incoming.rank > stored.rank
	}
	return incoming.rank != stored.rank
}

func (b *batch) empty() bool {
	return len(b.events)+len(b.tools)+len(b.sessions)+len(b.files)+len(b.ingest) == 0 && b.native.empty() && b.tasks.empty()
}

// keyed holds one row per key in first-seen order.
type keyed[V any] struct {
	index map[string]int
	keys  []string
	rows  []V
}

func newKeyed[V any](capacity int) *keyed[V] {
	return &keyed[V]{index: make(map[string]int, capacity), keys: make([]string, 0, capacity), rows: make([]V, 0, capacity)}
}

// get returns the row of key, nil if there is none.
func (k *keyed[V]) get(key string) *V {
	if i, ok := k.index[key]; ok {
		return &k.rows[i]
	}
	return nil
}

func (k *keyed[V]) add(key string, row V) {
	k.index[key] = len(k.rows)
	k.keys = append(k.keys, key)
	k.rows = append(k.rows, row)
}

// sorted puts the rows in key order, in place, and returns them.
func (k *keyed[V]) sorted() []V {
	order := make([]int32, len(k.rows)) // order[i]: the row that goes to i
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return strings.Compare(k.keys[a], k.keys[b]) })
	// Apply the permutation cycle by cycle; done entries become -1.
	for start := range order {
		if order[start] < 0 {
			continue
		}
		tmp := k.rows[start]
		i := start
		for {
			j := int(order[i])
			order[i] = -1
			if j == start {
				k.rows[i] = tmp
				break
			}
			k.rows[i] = k.rows[j]
			i = j
		}
	}
	return k.rows
}
