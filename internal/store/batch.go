package store

import (
	"sort"

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
	return f.Key != "" && f.Event != facts.EventSession && f.Event != facts.EventIngestProgress
}

func newBatch(fs []facts.Fact) *batch {
	events := make(map[string]eventRow)
	tools := make(map[string]toolRow)
	sessions := make(map[string]sessionRow)
	files := make(map[string]fileRow)
	ingest := make(map[string]ingestRow)

	for i := range fs {
		f := &fs[i]
		if f.Event == facts.EventIngestProgress {
			if f.IngestInfo == nil {
				continue
			}
			r := ingestRow{reporter: f.IngestInfo.Reporter, info: *f.IngestInfo, updatedAt: unixMs(f.Time)}
			if r.reporter == "" {
				r.reporter = f.Key
			}
			// Latest report wins; on a tie the later fact (SQL twin: >=).
			if old, ok := ingest[r.reporter]; !ok || r.updatedAt >= old.updatedAt {
				ingest[r.reporter] = r
			}
			continue
		}
		if storedInEvents(f) {
			r := newEventRow(f)
			if old, ok := events[r.key]; !ok || replacesEvent(old, r) {
				events[r.key] = r
			}
		}
		if f.SessionID != "" {
			r := newSessionRow(f)
			if old, ok := sessions[r.id]; ok {
				r = mergeSession(old, r)
			}
			sessions[r.id] = r
		}
		if (f.Event == facts.EventToolUse || f.Event == facts.EventToolResult) && f.ToolUseID != "" {
			r := newToolRow(f)
			if old, ok := tools[r.id]; ok {
				r = mergeTool(old, r)
			}
			tools[r.id] = r
		}
		if f.Event == facts.EventFileUpdate && f.Key != "" {
			files[f.Key] = fileRow{
				key: f.Key, sessionID: f.SessionID, toolUseID: f.ToolUseID, toolName: f.ToolName,
				path: f.FilePath, additions: f.Additions, deletions: f.Deletions, occurredAt: unixMs(f.Time),
			}
		}
	}

	b := &batch{}
	b.events = sortedValues(events)
	b.tools = sortedValues(tools)
	b.sessions = sortedValues(sessions)
	b.files = sortedValues(files)
	b.ingest = sortedValues(ingest)
	return b
}

// replacesEvent is the Go twin of the telemetry_events upsert condition.
func replacesEvent(stored, incoming eventRow) bool {
	if stored.event == facts.EventAPIRequest && incoming.event == facts.EventAPIRequest {
		return incoming.rank > stored.rank
	}
	return incoming.rank != stored.rank
}

func (b *batch) empty() bool {
	return len(b.events)+len(b.tools)+len(b.sessions)+len(b.files)+len(b.ingest) == 0
}

func sortedValues[V any](m map[string]V) []V {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}
