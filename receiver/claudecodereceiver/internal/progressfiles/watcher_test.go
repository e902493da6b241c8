package progressfiles

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

type memPersister struct{ m map[string][]byte }

func newMem() *memPersister { return &memPersister{m: map[string][]byte{}} }

func (p *memPersister) Get(_ context.Context, k string) ([]byte, error) { return p.m[k], nil }
func (p *memPersister) SetAll(_ context.Context, kv map[string][]byte) error {
	for k, v := range kv {
		p.m[k] = v
	}
	return nil
}

// sink records emitted batches; fail makes the next Emit refuse.
type sink struct {
	batches [][]facts.Fact
	fail    bool
}

func (s *sink) emit(_ context.Context, b []facts.Fact) error {
	if s.fail {
		s.fail = false
		return errors.New("refused")
	}
	s.batches = append(s.batches, b)
	return nil
}

func (s *sink) keys() []string {
	var out []string
	for _, b := range s.batches {
		for _, f := range b {
			out = append(out, f.Key)
		}
	}
	sort.Strings(out)
	s.batches = nil
	return out
}

var mtime0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func writeFile(t *testing.T, p, content string, mod time.Time) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	require.NoError(t, os.Chtimes(p, mod, mod))
}

const phase1 = `---
title: Phase 1
status: in-progress
session_id: s-doc
tasks:
  - id: T1
    title: First
    status: completed
    completed: 2026-05-30T10:00Z
  - id: T2
    title: Second
    status: pending
    session_id: s-task
---
body
`

type fixture struct {
	root, file string
	sink       *sink
	mem        *memPersister
	malformed  int
}

func newFixture(t *testing.T) *fixture {
	root := t.TempDir()
	f := &fixture{root: root, sink: &sink{}, mem: newMem()}
	f.file = filepath.Join(root, ".claude", "progress", "feat", "phase-1-progress.md")
	writeFile(t, f.file, phase1, mtime0)
	return f
}

func (f *fixture) watcher(include ...string) *Watcher {
	if len(include) == 0 {
		include = []string{DefaultInclude}
	}
	return New(Settings{
		Include: include, Roots: func() []string { return []string{f.root} },
		Persister: f.mem, Emit: f.sink.emit, OnMalformed: func() { f.malformed++ }, Home: "/nonexistent-home",
	})
}

func TestPollEmitsFeatureAndTasks(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	w := f.watcher()
	require.NoError(t, w.Poll(ctx))
	require.Len(t, f.sink.batches, 1)
	b := f.sink.batches[0]
	require.Len(t, b, 3)

	feat := b[0]
	assert.Equal(t, facts.EventFeature, feat.Event)
	assert.Equal(t, "feature:feat:feat/phase-1-progress.md", feat.Key)
	assert.Equal(t, "feat", feat.FeatureID)
	assert.Equal(t, "1", feat.Phase)
	assert.Equal(t, "Phase 1", feat.Title)
	assert.Equal(t, progress.StatusInProgress, feat.Status)
	assert.Equal(t, f.root, feat.Project)
	assert.Equal(t, f.file, feat.SourceFile)
	assert.True(t, feat.Time.Equal(mtime0))

	ms := mtime0.UnixMilli()
	t1, t2 := b[1], b[2]
	assert.Equal(t, facts.EventTaskStatus, t1.Event)
	assert.Equal(t, "task:feat/T1:done@"+itoa(ms), t1.Key)
	assert.Equal(t, "task:feat/T2:pending@"+itoa(ms), t2.Key)
	assert.Equal(t, "T1", t1.TaskID)
	assert.Equal(t, "First", t1.Title)
	assert.Equal(t, progress.StatusDone, t1.Status)
	assert.True(t, t1.Time.Equal(mtime0), "first observation: the file's mtime")
	assert.Empty(t, t1.SessionID, "task facts belong to no session")

	var p1, p2 progress.TaskPayload
	require.NoError(t, json.Unmarshal([]byte(t1.Payload), &p1))
	require.NoError(t, json.Unmarshal([]byte(t2.Payload), &p2))
	assert.Equal(t, "completed", p1.RawStatus)
	assert.Equal(t, time.Date(2026, 5, 30, 10, 0, 0, 0, time.UTC).UnixMilli(), p1.CompletedAtMs)
	assert.Equal(t, []string{"s-doc"}, p1.FeatureSessionIDs)
	assert.Equal(t, []string{"s-task"}, p2.SessionIDs)
	assert.Zero(t, p2.CompletedAtMs)
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestPollTransitions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	w := f.watcher()
	require.NoError(t, w.Poll(ctx))
	f.sink.keys()

	// Nothing changed; then touched with the same content: nothing to emit.
	require.NoError(t, w.Poll(ctx))
	require.NoError(t, os.Chtimes(f.file, mtime0.Add(time.Minute), mtime0.Add(time.Minute)))
	require.NoError(t, w.Poll(ctx))
	assert.Empty(t, f.sink.keys())

	// T2 moves to in progress: one new observation at the new mtime, plus
	// the file's feature fact (same key, new content).
	m2 := mtime0.Add(time.Hour)
	writeFile(t, f.file, strings.Replace(phase1, "status: pending", "status: in_progress", 1), m2)
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, []string{"feature:feat:feat/phase-1-progress.md", "task:feat/T2:in_progress@" + itoa(m2.UnixMilli())}, f.sink.keys())

	// A change whose mtime went back in time is still ordered after the
	// previous observation.
	writeFile(t, f.file, strings.Replace(phase1, "status: pending", "status: blocked", 1), mtime0)
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, []string{"feature:feat:feat/phase-1-progress.md", "task:feat/T2:blocked@" + itoa(m2.UnixMilli()+1)}, f.sink.keys())
}

func TestPollRefusedThenRetried(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	w := f.watcher()
	f.sink.fail = true
	require.Error(t, w.Poll(ctx))
	for k := range f.mem.m {
		assert.Equal(t, rootsKey, k, "no file or task state remembered before the pipeline accepted")
	}
	require.NoError(t, w.Poll(ctx))
	ms := itoa(mtime0.UnixMilli())
	assert.Equal(t, []string{"feature:feat:feat/phase-1-progress.md", "task:feat/T1:done@" + ms, "task:feat/T2:pending@" + ms}, f.sink.keys())
	assert.NotEmpty(t, f.mem.m)
}

func TestRestart(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	require.NoError(t, f.watcher().Poll(ctx))
	first := f.sink.keys()

	// Same storage: nothing new.
	require.NoError(t, f.watcher().Poll(ctx))
	assert.Empty(t, f.sink.keys())

	// A restart whose transcripts name no project yet still watches the
	// projects seen before.
	w := f.watcher()
	w.set.Roots = func() []string { return nil }
	writeFile(t, f.file, strings.Replace(phase1, "status: pending", "status: done", 1), mtime0.Add(time.Hour))
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, []string{"feature:feat:feat/phase-1-progress.md", "task:feat/T2:done@" + itoa(mtime0.Add(time.Hour).UnixMilli())}, f.sink.keys())
	writeFile(t, f.file, phase1, mtime0) // back to the first content and mtime

	// Storage lost: the same keys again (the store absorbs them).
	f.mem = newMem()
	require.NoError(t, f.watcher().Poll(ctx))
	assert.Equal(t, first, f.sink.keys())
}

func TestMalformedIsSkippedAndCounted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bad := filepath.Join(f.root, ".claude", "progress", "broken", "phase-1-progress.md")
	writeFile(t, bad, "---\ntitle: x\nnote: a: b\n---\n", mtime0)
	w := f.watcher()
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, 1, f.malformed)
	keys := f.sink.keys()
	assert.Len(t, keys, 3, "the good file is emitted")
	for _, k := range keys {
		assert.NotContains(t, k, "broken")
	}
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, 1, f.malformed, "once per file and mtime")
	require.NoError(t, os.Chtimes(bad, mtime0.Add(time.Minute), mtime0.Add(time.Minute)))
	require.NoError(t, w.Poll(ctx))
	assert.Equal(t, 2, f.malformed, "a new mtime is reported again")
	assert.Empty(t, f.sink.keys())
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t)
	// Skipped by **: dependency folders and other dot folders.
	writeFile(t, filepath.Join(f.root, "node_modules", "x", ".claude", "progress", "f", "p.md"), phase1, mtime0)
	writeFile(t, filepath.Join(f.root, ".git", ".claude", "progress", "f", "p.md"), phase1, mtime0)
	// Found: nested package, and excluded: an archive folder.
	nested := filepath.Join(f.root, "apps", "web", ".claude", "progress", "g", "phase-2-progress.md")
	writeFile(t, nested, phase1, mtime0)
	writeFile(t, filepath.Join(f.root, ".claude", "progress", "archive", "old.md"), phase1, mtime0)
	writeFile(t, filepath.Join(f.root, ".claude", "progress", "feat", "notes.txt"), "x", mtime0)
	// An explicit absolute glob outside any project.
	other := t.TempDir()
	explicit := filepath.Join(other, "plans", "feature-z", "progress.md")
	writeFile(t, explicit, phase1, mtime0)

	w := New(Settings{
		Include: []string{DefaultInclude, filepath.Join(other, "plans", "*", "*.md")},
		Exclude: []string{"**/archive/**"},
		// A session started in a subfolder finds the repository's progress
		// folder through its ancestors.
		Roots: func() []string { return []string{filepath.Join(f.root, "apps", "web", "src"), "relative/ignored"} },
		Home:  "/nonexistent-home",
	})
	got := w.discover()
	assert.Equal(t, []target{
		{path: f.file, project: f.root},
		{path: nested, project: filepath.Join(f.root, "apps", "web")},
		{path: explicit, project: ""},
	}, sortTargets(got))
}

func sortTargets(ts []target) []target {
	sort.Slice(ts, func(i, j int) bool {
		// The explicit file last (it lives in another temp dir).
		ei, ej := ts[i].project == "", ts[j].project == ""
		if ei != ej {
			return ej
		}
		return ts[i].path < ts[j].path
	})
	return ts
}

func TestHomeAndFilesystemRootAreNotWalked(t *testing.T) {
	home := t.TempDir()
	writeFile(t, filepath.Join(home, "proj", ".claude", "progress", "f", "p.md"), phase1, mtime0)
	w := New(Settings{Include: []string{DefaultInclude}, Roots: func() []string { return []string{home, "/"} }, Home: home})
	assert.Empty(t, w.discover())
}
