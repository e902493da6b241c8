// Package correlate infers links between features, tasks, sessions, commits
// and pull requests from facts, and remembers per-session context so that
// every record of a session can carry its feature, task, commit and PR.
//
// It is plain Go (no collector types): the correlation processor feeds it
// the facts decoded from log records and persists its state through KV.
package correlate

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Config configures the engine.
type Config struct {
	// TaskIDPatterns are regular expressions matching task ids; a pattern
	// with a capture group yields its first group.
	TaskIDPatterns []string
	// ProgressDir is the folder (relative to a project) whose sub-folders
	// are features: <project>/<ProgressDir>/<feature>/...
	ProgressDir string
	// MaxSessions and MaxTasks bound the state kept in memory and in
	// storage (least recently used out first); TTL drops entries unused
	// for that long. Zero means unbounded.
	MaxSessions int
	MaxTasks    int
	TTL         time.Duration
}

// KV persists the engine's state (a storage extension client). Get returns
// nil, nil for a missing key. Apply writes and deletes in one batch.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Apply(ctx context.Context, set map[string][]byte, del []string) error
}

// Link is a ccdash.link fact found while processing, and the index (in the
// slice given to Process) of the fact that was its evidence.
type Link struct {
	Fact   facts.Fact
	Source int
}

// Keys are the correlation keys known for a session or task; empty fields
// are unknown.
type Keys struct {
	Project, Root, Feature, Task, Phase, Commit string
	PRNumber                                    int64
}

// Engine holds the per-session and per-task state. It is not safe for
// concurrent use.
type Engine struct {
	m        *matcher
	kv       KV
	now      func() time.Time
	sessions *lru[*sessionState]
	tasks    *lru[*taskState]

	dirty   map[string]struct{} // storage keys to write
	deleted map[string]struct{} // storage keys to delete
	missing map[string]struct{} // task ids known absent, during one Process
	// absent holds session ids known to have no state, so items of unknown
	// sessions (metrics, spans) do not cost a storage read each. Cleared
	// by every Process, which may create them, and when it grows too big.
	absent map[string]struct{}
	errs   []error
}

// maxAbsent bounds the absent-session memory.
const maxAbsent = 4096

// Storage key prefixes.
const (
	keySession = "session/"
	keyTask    = "task/"
)

// New returns an engine. kv may be nil (state lives in memory only); now
// defaults to time.Now.
func New(cfg Config, kv KV, now func() time.Time) (*Engine, error) {
	m, err := newMatcher(cfg.TaskIDPatterns, cfg.ProgressDir)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Engine{
		m: m, kv: kv, now: now,
		sessions: newLRU[*sessionState](cfg.MaxSessions, cfg.TTL),
		tasks:    newLRU[*taskState](cfg.MaxTasks, cfg.TTL),
		dirty:    make(map[string]struct{}),
		deleted:  make(map[string]struct{}),
		absent:   make(map[string]struct{}),
	}, nil
}

// Process updates the state from fs, in order, persists it and returns the
// links that are new or better supported than before. Links are keyed
// deterministically (link:<from type>:<from id>><to type>:<to id>), so a
// replay of the same facts yields the same keys. Errors are storage errors;
// the links found are valid regardless.
func (e *Engine) Process(ctx context.Context, fs []facts.Fact) ([]Link, error) {
	e.missing = make(map[string]struct{})
	clear(e.absent)
	var out []Link
	for i := range fs {
		out = e.observe(ctx, i, &fs[i], out)
	}
	e.persist(ctx)
	err := errors.Join(e.errs...)
	e.errs = nil
	return out, err
}

// Keys returns the keys known for a session (loading its state from
// storage if needed).
func (e *Engine) Keys(ctx context.Context, sessionID string) (Keys, bool) {
	s := e.session(ctx, sessionID, false)
	if s == nil {
		return Keys{}, false
	}
	k := Keys{Project: s.Project, Root: s.Root, PRNumber: s.PRNumber}
	if n := len(s.Commits); n > 0 {
		k.Commit = s.Commits[n-1].SHA
	}
	k.Feature, k.Task, k.Phase = e.work(ctx, s)
	if k.Feature == "" && k.Task == "" && s.Root != "" && s.Root != sessionID {
		// A subagent with no evidence of its own works for its thread.
		if r := e.session(ctx, s.Root, false); r != nil {
			k.Feature, k.Task, k.Phase = e.work(ctx, r)
		}
	}
	return k, true
}

// work returns a session's feature, task and phase: its best task, and the
// task's feature unless the session's own feature link is stronger.
func (e *Engine) work(ctx context.Context, s *sessionState) (feature, task, phase string) {
	feature, task = s.Feature, s.Task
	if s.Task != "" {
		if t := e.task(ctx, s.Task, false); t != nil {
			phase = t.Phase
			if t.Feature != "" && (feature == "" || s.TaskConf > s.FeatureConf) {
				feature = t.Feature
			}
		}
	}
	return feature, task, phase
}

// TaskKeys returns the feature and phase known for a task.
func (e *Engine) TaskKeys(ctx context.Context, taskID string) (Keys, bool) {
	t := e.task(ctx, taskID, false)
	if t == nil {
		return Keys{}, false
	}
	return Keys{Feature: t.Feature, Task: taskID, Phase: t.Phase}, true
}

// Sessions is the number of sessions held in memory.
func (e *Engine) Sessions() int { return e.sessions.len() }

func (e *Engine) session(ctx context.Context, id string, create bool) *sessionState {
	if id == "" {
		return nil
	}
	now := e.now()
	if s, ok := e.sessions.get(id, now); ok {
		return s
	}
	if _, ok := e.absent[id]; ok && !create {
		return nil
	}
	s := &sessionState{}
	if !load(ctx, e, keySession+id, s) && !create {
		if len(e.absent) >= maxAbsent {
			clear(e.absent)
		}
		e.absent[id] = struct{}{}
		return nil
	}
	delete(e.absent, id)
	e.evicted(keySession, e.sessions.put(id, s, now))
	delete(e.deleted, keySession+id)
	return s
}

func (e *Engine) task(ctx context.Context, id string, create bool) *taskState {
	if id == "" {
		return nil
	}
	now := e.now()
	if t, ok := e.tasks.get(id, now); ok {
		return t
	}
	if _, absent := e.missing[id]; absent && !create {
		return nil
	}
	t := &taskState{}
	if !load(ctx, e, keyTask+id, t) {
		if !create {
			if e.missing != nil {
				e.missing[id] = struct{}{}
			}
			return nil
		}
	}
	delete(e.missing, id)
	e.evicted(keyTask, e.tasks.put(id, t, now))
	delete(e.deleted, keyTask+id)
	return t
}

// load reads a stored state into v and reports whether there was one.
func load(ctx context.Context, e *Engine, key string, v any) bool {
	if e.kv == nil {
		return false
	}
	b, err := e.kv.Get(ctx, key)
	if err != nil {
		e.errs = append(e.errs, err)
		return false
	}
	if len(b) == 0 {
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		// A state this version cannot read is dropped: links are re-derived
		// and the store de-duplicates them.
		e.errs = append(e.errs, errors.New("correlation state "+key+": "+err.Error()))
		return false
	}
	return true
}

func (e *Engine) evicted(prefix string, keys []string) {
	for _, k := range keys {
		delete(e.dirty, prefix+k)
		e.deleted[prefix+k] = struct{}{}
	}
}

func (e *Engine) markSession(id string) { e.dirty[keySession+id] = struct{}{} }
func (e *Engine) markTask(id string)    { e.dirty[keyTask+id] = struct{}{} }

// persist expires old entries and writes the changed ones.
func (e *Engine) persist(ctx context.Context) {
	now := e.now()
	e.evicted(keySession, e.sessions.expire(now))
	e.evicted(keyTask, e.tasks.expire(now))
	if e.kv == nil {
		clear(e.dirty)
		clear(e.deleted)
		return
	}
	if len(e.dirty) == 0 && len(e.deleted) == 0 {
		return
	}
	set := make(map[string][]byte, len(e.dirty))
	for k := range e.dirty {
		var v any
		if id, ok := strings.CutPrefix(k, keySession); ok {
			if s, ok := e.sessions.get(id, now); ok {
				v = s
			}
		} else if id, ok := strings.CutPrefix(k, keyTask); ok {
			if t, ok := e.tasks.get(id, now); ok {
				v = t
			}
		}
		if v == nil {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			e.errs = append(e.errs, err)
			continue
		}
		set[k] = b
	}
	del := make([]string, 0, len(e.deleted))
	for k := range e.deleted {
		del = append(del, k)
	}
	if err := e.kv.Apply(ctx, set, del); err != nil {
		e.errs = append(e.errs, err)
	}
	clear(e.dirty)
	clear(e.deleted)
}

// linkKey is the deterministic identity of a link (and its fact key suffix).
func linkKey(fromType, fromID, toType, toID string) string {
	return fromType + ":" + fromID + ">" + toType + ":" + toID
}

// prID is a pull request's entity id: its URL, else #<number>.
func prID(url string, number int64) string {
	if url != "" {
		return url
	}
	if number != 0 {
		return "#" + strconv.FormatInt(number, 10)
	}
	return ""
}
