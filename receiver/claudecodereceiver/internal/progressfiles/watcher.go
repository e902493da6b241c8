// Package progressfiles finds progress markdown files (YAML front matter with
// a `tasks:` list, see internal/progress), polls them for changes and turns
// them into facts: one ccdash.feature fact per file and one
// ccdash.task.status fact per observed task status. It knows nothing about the
// collector: the receiver supplies Emit, a Persister and the project roots.
//
// Observations and their times. A task's status is observed when a file is
// read. The first observation of a task is stamped with the file's
// modification time (the best available estimate of when the file said so; a
// backfill of old files then lands at their last edit, not at the collector's
// start). A later change of status, title or phase is a new observation
// stamped with the new modification time (never earlier than the previous
// observation + 1 ms, so order is kept when clocks or copies move mtimes
// back). Fact keys are task:<feature>/<task>:<status>@<unix ms>, so re-reading
// an unchanged file yields the same keys, and a transition is a new key.
//
// Delivery. What was emitted (per task: status, title, phase, time; per
// file: size, mtime, content hash) is remembered in the Persister only after
// Emit accepted the batch; a refused batch is built again on the next poll.
// A malformed file is logged once per file and modification time, counted
// through OnMalformed and skipped; other files are not affected.
package progressfiles

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/progress"
)

// DefaultInclude finds CCDash-style progress files under a project root.
const DefaultInclude = "**/.claude/progress/**/*.md"

// Persister stores what was emitted (the receiver adapts its storage
// client; ingest.Persister has the same shape).
type Persister interface {
	Get(ctx context.Context, key string) ([]byte, error)
	SetAll(ctx context.Context, kv map[string][]byte) error
}

// Settings configure a Watcher.
type Settings struct {
	// Include globs. Relative globs are applied under every project root;
	// absolute ones (and ~/...) name files directly.
	Include []string
	// Exclude globs, matched against the path relative to the project root
	// (relative globs) or the absolute path (absolute globs).
	Exclude      []string
	PollInterval time.Duration
	// Roots returns the project directories known so far (the cwd values
	// of transcripts). It is called on every poll.
	Roots       func() []string
	Logger      *zap.Logger
	Persister   Persister
	Emit        func(ctx context.Context, batch []facts.Fact) error
	OnMalformed func() // called once per malformed file and modification time
	// Home is the user's home directory: never walked as a project root
	// (a session started in ~ would otherwise walk the whole home).
	// Empty: os.UserHomeDir.
	Home string
}

// Watcher polls progress files. Run it in one goroutine.
type Watcher struct {
	set   Settings
	files map[string]*fileState
	tasks map[string]*taskMemo // feature/task -> last emitted observation
	roots map[string][]string  // root as given -> roots to walk (itself, ancestors with .claude/progress)
	// known is every project folder seen so far, persisted: after a
	// restart the checkpointed backfill re-emits no old transcript lines,
	// so Roots alone would forget projects without new sessions.
	known       map[string]bool
	knownLoaded bool
}

type fileState struct {
	loaded      bool
	memo        fileMemo
	malformedAt time.Time // mtime whose problem was already logged
	warnedAt    time.Time // mtime whose warnings were already logged
	// idle is a stat (size, mtime) whose content needs nothing: touched
	// but unchanged, or malformed. The file is not read again until its
	// stat differs.
	idle     bool
	idleSize int64
	idleMod  time.Time
}

// fileMemo is what is persisted per file after its facts were accepted.
type fileMemo struct {
	Size    int64  `json:"size"`
	ModNano int64  `json:"mtime_ns"`
	Hash    string `json:"sha256"`
}

// taskMemo is what is persisted per task after its observation was accepted.
type taskMemo struct {
	Status string `json:"status"`
	Title  string `json:"title"`
	Phase  string `json:"phase"`
	AtMs   int64  `json:"at_ms"`
}

const (
	fileKeyPrefix = "claude_code.progress.file:"
	taskKeyPrefix = "claude_code.progress.task:"
	rootsKey      = "claude_code.progress.roots"
)

// New returns a Watcher.
func New(set Settings) *Watcher {
	if set.Logger == nil {
		set.Logger = zap.NewNop()
	}
	if set.OnMalformed == nil {
		set.OnMalformed = func() {}
	}
	if set.Roots == nil {
		set.Roots = func() []string { return nil }
	}
	if set.Home == "" {
		set.Home, _ = os.UserHomeDir()
	}
	if set.PollInterval <= 0 {
		set.PollInterval = 10 * time.Second
	}
	return &Watcher{set: set, files: map[string]*fileState{}, tasks: map[string]*taskMemo{}, roots: map[string][]string{},
		known: map[string]bool{}}
}

// Run polls until ctx is cancelled.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.set.PollInterval)
	defer t.Stop()
	for {
		if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.set.Logger.Warn("Progress files: poll failed; retrying at the next poll", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// target is a file to read and the project it belongs to.
type target struct{ path, project string }

// pending is one file's contribution to a batch, committed after accept.
type pending struct {
	path  string
	memo  fileMemo
	tasks map[string]taskMemo
}

// Poll reads every new or changed progress file once and emits their facts
// in one batch.
func (w *Watcher) Poll(ctx context.Context) error {
	if err := w.rememberRoots(ctx); err != nil {
		return err
	}
	var batch []facts.Fact
	var commits []pending
	for _, t := range w.discover() {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fs, p, err := w.read(ctx, t)
		if err != nil {
			w.set.Logger.Debug("Progress file not read", zap.String("file", t.path), zap.Error(err))
			continue
		}
		if p != nil {
			batch = append(batch, fs...)
			commits = append(commits, *p)
		}
	}
	if len(commits) == 0 {
		return nil
	}
	if len(batch) > 0 {
		if err := w.set.Emit(ctx, batch); err != nil {
			return fmt.Errorf("emit %d progress facts: %w", len(batch), err)
		}
	}
	return w.commit(ctx, commits)
}

// read returns the facts of one file when its content changed since the
// last accepted batch (nil pending when there is nothing to do).
func (w *Watcher) read(ctx context.Context, t target) ([]facts.Fact, *pending, error) {
	st, err := os.Stat(t.path)
	if err != nil {
		return nil, nil, err
	}
	fs := w.files[t.path]
	if fs == nil {
		fs = &fileState{}
		w.files[t.path] = fs
	}
	if !fs.loaded {
		raw, err := w.set.Persister.Get(ctx, fileKeyPrefix+t.path)
		if err != nil {
			return nil, nil, err
		}
		if raw != nil {
			_ = json.Unmarshal(raw, &fs.memo) // a corrupt memo costs a re-read, never data
		}
		fs.loaded = true
	}
	mod := st.ModTime()
	if (st.Size() == fs.memo.Size && mod.UnixNano() == fs.memo.ModNano) ||
		(fs.idle && st.Size() == fs.idleSize && mod.Equal(fs.idleMod)) {
		return nil, nil, nil
	}
	data, err := os.ReadFile(t.path)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	memo := fileMemo{Size: int64(len(data)), ModNano: mod.UnixNano(), Hash: hash}
	if hash == fs.memo.Hash {
		// Touched, not changed: nothing to emit; remember the stat so
		// the file is not read again until it changes.
		fs.idle, fs.idleSize, fs.idleMod = true, st.Size(), mod
		return nil, nil, nil
	}
	fs.idle = false

	doc, err := progress.Parse(t.path, data)
	if err != nil {
		fs.idle, fs.idleSize, fs.idleMod = true, st.Size(), mod
		if !fs.malformedAt.Equal(mod) {
			fs.malformedAt = mod
			w.set.OnMalformed()
			w.set.Logger.Warn("Skipping malformed progress file", zap.String("file", t.path),
				zap.Time("mtime", mod), zap.Error(err))
		}
		return nil, nil, nil
	}
	if len(doc.Warnings) > 0 && !fs.warnedAt.Equal(mod) {
		fs.warnedAt = mod
		w.set.Logger.Warn("Progress file has entries that were skipped", zap.String("file", t.path),
			zap.Strings("problems", doc.Warnings))
	}
	p := &pending{path: t.path, memo: memo, tasks: map[string]taskMemo{}}
	if !doc.HasFrontMatter {
		return nil, p, nil // not a progress file; remember it so it is not read again
	}
	out, err := w.docFacts(ctx, doc, t.project, mod, p)
	if err != nil {
		return nil, nil, err
	}
	return out, p, nil
}

// docFacts builds a file's feature fact and the observations of its tasks
// whose status, title or phase differ from the last emitted ones.
func (w *Watcher) docFacts(ctx context.Context, doc *progress.Doc, project string, mod time.Time, p *pending) ([]facts.Fact, error) {
	modMs := mod.UnixMilli()
	declared := doc.Status // the file's own status; "" when it states none
	if doc.RawStatus == "" {
		declared = ""
	}
	featurePayload, _ := json.Marshal(map[string]any{
		"raw_status": doc.RawStatus, "session_ids": doc.SessionIDs, "feature_source": doc.FeatureSource,
		"tasks": len(doc.Tasks), "warnings": doc.Warnings,
	})
	out := []facts.Fact{{
		Key:   "feature:" + doc.FeatureID + ":" + relToProgress(doc.Path),
		Event: facts.EventFeature, Time: mod.UTC(), Project: project, SourceFile: doc.Path,
		FeatureID: doc.FeatureID, Phase: doc.Phase, Title: doc.Title, Status: declared,
		Payload: string(featurePayload),
	}}
	for _, t := range doc.Tasks {
		id := doc.FeatureID + "/" + t.ID
		prev, err := w.taskMemo(ctx, id)
		if err != nil {
			return nil, err
		}
		if m, ok := p.tasks[id]; ok { // the same task twice in one poll (two files)
			prev = &m
		}
		if prev != nil && prev.Status == t.Status && prev.Title == t.Title && prev.Phase == t.Phase {
			continue
		}
		at := modMs
		if prev != nil && at <= prev.AtMs {
			at = prev.AtMs + 1
		}
		payload := progress.TaskPayload{
			RawStatus: t.RawStatus, SessionIDs: t.SessionIDs, FeatureSessionIDs: doc.SessionIDs,
			Started: t.Started, Completed: t.Completed,
		}
		if t.Status == progress.StatusDone {
			if ct, ok := progress.ParseTime(t.Completed); ok {
				payload.CompletedAtMs = ct.UnixMilli()
			}
		}
		raw, _ := json.Marshal(payload)
		out = append(out, facts.Fact{
			Key:   fmt.Sprintf("task:%s:%s@%d", id, t.Status, at),
			Event: facts.EventTaskStatus, Time: time.UnixMilli(at).UTC(), Project: project, SourceFile: doc.Path,
			FeatureID: doc.FeatureID, TaskID: t.ID, Phase: t.Phase, Title: t.Title, Status: t.Status,
			Payload: string(raw),
		})
		p.tasks[id] = taskMemo{Status: t.Status, Title: t.Title, Phase: t.Phase, AtMs: at}
	}
	return out, nil
}

func (w *Watcher) taskMemo(ctx context.Context, id string) (*taskMemo, error) {
	if m, ok := w.tasks[id]; ok {
		return m, nil
	}
	raw, err := w.set.Persister.Get(ctx, taskKeyPrefix+id)
	if err != nil {
		return nil, err
	}
	var m *taskMemo
	if raw != nil {
		m = &taskMemo{}
		if json.Unmarshal(raw, m) != nil {
			m = nil // corrupt: observe again (same key if the file did not change)
		}
	}
	w.tasks[id] = m
	return m, nil
}

// commit remembers what an accepted batch emitted, in memory and in the
// Persister (one storage transaction).
func (w *Watcher) commit(ctx context.Context, ps []pending) error {
	kv := map[string][]byte{}
	for _, p := range ps {
		fs := w.files[p.path]
		fs.memo = p.memo
		raw, _ := json.Marshal(p.memo)
		kv[fileKeyPrefix+p.path] = raw
		for id, m := range p.tasks {
			w.tasks[id] = &m
			raw, _ := json.Marshal(m)
			kv[taskKeyPrefix+id] = raw
		}
	}
	if err := w.set.Persister.SetAll(ctx, kv); err != nil {
		// The facts were accepted; losing the memo costs a re-emission of
		// the same keys after a restart, which the store absorbs.
		return fmt.Errorf("save progress state: %w", err)
	}
	return nil
}

// relToProgress is a file's path below its `progress/` folder (the part that
// is the same on every machine), else its base name.
func relToProgress(p string) string {
	s := filepath.ToSlash(p)
	if i := strings.LastIndex(s, "/progress/"); i >= 0 {
		return s[i+len("/progress/"):]
	}
	return filepath.Base(p)
}

// projectOf is the folder holding a file's .claude folder, else fallback.
func projectOf(p, fallback string) string {
	s := filepath.ToSlash(p)
	if i := strings.LastIndex(s, "/.claude/"); i > 0 {
		return filepath.FromSlash(s[:i])
	}
	return fallback
}

// discover lists the files the include globs match, without the excluded
// ones, sorted and de-duplicated.
func (w *Watcher) discover() []target {
	seen := map[string]bool{}
	var out []target
	add := func(p, project string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, target{path: p, project: projectOf(p, project)})
		}
	}
	roots := w.walkRoots()
	for _, inc := range w.set.Include {
		inc = expandHome(inc, w.set.Home)
		if filepath.IsAbs(inc) {
			segs := splitGlob(filepath.ToSlash(inc))
			walkGlob(string(filepath.Separator), segs, func(abs string, rel []string) {
				if !w.excluded(abs, strings.Join(rel, "/"), true) {
					add(abs, "")
				}
			})
			continue
		}
		segs := splitGlob(filepath.ToSlash(inc))
		for _, root := range roots {
			walkGlob(root, segs, func(abs string, rel []string) {
				if !w.excluded(abs, strings.Join(rel, "/"), false) {
					add(abs, root)
				}
			})
		}
	}
	slices.SortFunc(out, func(a, b target) int { return strings.Compare(a.path, b.path) })
	return out
}

func (w *Watcher) excluded(abs, rel string, absInclude bool) bool {
	for _, ex := range w.set.Exclude {
		ex = expandHome(ex, w.set.Home)
		var ok bool
		if filepath.IsAbs(ex) {
			ok = matchSegs(splitGlob(filepath.ToSlash(ex)), splitGlob(filepath.ToSlash(abs)))
		} else if absInclude {
			ok = matchSegs(splitGlob(filepath.ToSlash(ex)), splitGlob(filepath.ToSlash(abs)))
		} else {
			ok = matchSegs(splitGlob(filepath.ToSlash(ex)), splitGlob(rel))
		}
		if ok {
			return true
		}
	}
	return false
}

// walkRoots turns the known project directories into the folders to walk:
// each directory, plus every ancestor holding .claude/progress (a session
// started in a subfolder of a repository or monorepo package); minus the filesystem
// root and the home folder, and minus folders inside another walked folder.
func (w *Watcher) walkRoots() []string {
	var all []string
	given := w.set.Roots()
	for r := range w.known {
		given = append(given, r)
	}
	for _, r := range given {
		if r == "" || !filepath.IsAbs(r) {
			continue
		}
		got, ok := w.roots[r]
		if !ok {
			got = w.expandRoot(filepath.Clean(r))
			w.roots[r] = got
		}
		all = append(all, got...)
	}
	slices.Sort(all)
	all = slices.Compact(all)
	var out []string
	for _, r := range all {
		if len(out) > 0 && isWithin(r, out[len(out)-1]) {
			continue
		}
		out = append(out, r)
	}
	return out
}

// rememberRoots adds the current project folders to the persisted list.
func (w *Watcher) rememberRoots(ctx context.Context) error {
	if !w.knownLoaded {
		raw, err := w.set.Persister.Get(ctx, rootsKey)
		if err != nil {
			return err
		}
		var list []string
		if raw != nil {
			_ = json.Unmarshal(raw, &list) // corrupt: relearned from transcripts
		}
		for _, r := range list {
			w.known[r] = true
		}
		w.knownLoaded = true
	}
	added := false
	for _, r := range w.set.Roots() {
		if r != "" && !w.known[r] {
			w.known[r] = true
			added = true
		}
	}
	if !added {
		return nil
	}
	list := make([]string, 0, len(w.known))
	for r := range w.known {
		list = append(list, r)
	}
	slices.Sort(list)
	raw, _ := json.Marshal(list)
	return w.set.Persister.SetAll(ctx, map[string][]byte{rootsKey: raw})
}

func (w *Watcher) expandRoot(r string) []string {
	var out []string
	if w.walkable(r) {
		out = append(out, r)
	}
	for d := filepath.Dir(r); w.walkable(d); d = filepath.Dir(d) {
		if st, err := os.Stat(filepath.Join(d, ".claude", "progress")); err == nil && st.IsDir() {
			out = append(out, d)
		}
	}
	return out
}

func (w *Watcher) walkable(d string) bool {
	return d != filepath.Dir(d) && (w.set.Home == "" || filepath.Clean(d) != filepath.Clean(w.set.Home))
}

func isWithin(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, string(filepath.Separator))+string(filepath.Separator))
}

func expandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// walkGlob calls fn for every regular file under base that the pattern
// segments match (relative to base), entering only folders that may hold a
// match. Unreadable folders are skipped.
func walkGlob(base string, segs []string, fn func(abs string, rel []string)) {
	prefix := staticPrefix(segs)
	start := filepath.Join(append([]string{base}, prefix...)...)
	rest := segs[len(prefix):]
	_ = filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if d != nil && d.IsDir() && p != start {
				return fs.SkipDir
			}
			return nil
		}
		relPath, rerr := filepath.Rel(start, p)
		if rerr != nil || relPath == "." {
			return nil
		}
		rel := strings.Split(filepath.ToSlash(relPath), "/")
		if d.IsDir() {
			if !mayContain(rest, rel) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if matchSegs(rest, rel) {
			fn(p, append(slices.Clone(prefix), rel...))
		}
		return nil
	})
}
