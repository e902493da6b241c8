package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// stateKey is the storage key of the state's core (everything but windows
// and facts); hourPrefix+<hour> hold the windows starting and the facts
// counted in one UTC hour (unix hours). One save is one storage Batch — one
// transaction in file_storage — so windows and high-water marks are always
// persisted together: a restart never sees a window total without the marks
// that say which points it already holds (or the reverse), which is what
// makes a replay after a restart count nothing twice. Sharding keeps a save
// proportional to what the batch changed: a backfill holds the whole
// history open, and rewriting it all after every batch made the backfill
// quadratic. Hours rather than days: a batch of one transcript touches a
// few hours, and re-encoding whole days (thousands of facts each) after
// every batch was most of the processor's cost in a backfill.
//
// shardPrefix+<day> are the day shards of version-1 states: load reads
// them, and the next save moves their contents to hour shards and deletes
// them.
const (
	stateKey    = "rollup_state"
	shardPrefix = "rollup_shard_"
	hourPrefix  = "rollup_hour_"
)

// stateVersion is bumped when the persisted layout changes incompatibly.
// Version 2 keeps windows and facts in hour shards; this build reads
// version 1 (day shards) too. A version-1 build refuses a version-2 state
// rather than silently missing its shards.
const stateVersion = 2

// state is everything the processor remembers.
type state struct {
	Version int `json:"version"`
	// Streams are the high-water marks of the input streams, by streamKey.
	Streams map[string]*stream `json:"streams"`
	// Windows are the open windows, by windowKey. Persisted in the hour
	// shards (states written before shards hold them here).
	Windows map[string]*window `json:"windows,omitempty"`
	// Since is, per metric and period, where complete coverage begins: the
	// end of the first window this state ever created for them. That first
	// window may lack points from before the state began (a processor added
	// to a running pipeline, or restarted without storage), so it is never
	// claimed complete; every later window is.
	Since map[string]int64 `json:"since"`
	// Watermark is the newest point timestamp seen (unix ns); windows close
	// CloseAfter after their end, measured on it.
	Watermark int64 `json:"watermark"`
	// Pending are windows whose latest total was not yet accepted
	// downstream: they are sent again with the next batch and stay open
	// until they are delivered.
	Pending map[string]bool `json:"pending,omitempty"`

	// Horizon is the watermark windows are closed on (unix ns). It follows
	// Watermark, except while a reporter is backfilling (Holds): then it
	// stays put, so facts of a parallel backfill, which arrive out of time
	// order, find their windows still open. Zero in states written before
	// it existed: load sets it to Watermark.
	Horizon int64 `json:"horizon,omitempty"`

	// Logs mode (logs.go). Facts is what each fact key (tool calls: their
	// tool_use_id) contributes to the open windows: the kept copy. It is
	// dropped with the last window the fact counts in, so its size is bounded
	// by the open windows.
	Facts map[string]*factEntry `json:"facts,omitempty"`
	// Resources interns the canonical resource attributes facts arrived
	// with (factEntry.Res indexes it).
	Resources []string `json:"resources,omitempty"`
	// Holds are the reporters (claude_code receivers) whose latest progress
	// fact said their backfill is not complete, with the wall time (unix ns)
	// that fact arrived.
	Holds map[string]int64 `json:"holds,omitempty"`
	// CompleteAfter (logs mode without complete_history) is the watermark
	// when the first batch outside a backfill was done: every fact the
	// pipeline had seen before this processor may be older, so coverage
	// begins after the windows containing it. Zero: not yet known.
	CompleteAfter int64 `json:"complete_after,omitempty"`

	// Shards lists the day shards of a version-1 state (deleted by the next
	// save); HourShards the hour shards in storage.
	Shards     []int64 `json:"shards,omitempty"`
	HourShards []int64 `json:"hour_shards,omitempty"`

	// hours indexes Windows and Facts by shard, so a save encodes the
	// changed shards without scanning the whole state; present: the hour
	// shards in storage; dirty: the ones whose windows or facts changed
	// since the last save; legacyDays: version-1 day shards still in
	// storage.
	hours          map[int64]*shardIndex
	present, dirty map[int64]bool
	legacyDays     []int64
	// swept is the horizon closed windows and facts were last dropped on:
	// until the horizon moves (it stays put during a backfill) nothing new
	// can close, so batches skip the scan over the whole state.
	swept int64
}

// shardIndex is one hour's windows and facts.
type shardIndex struct {
	windows map[string]*window
	facts   map[string]*factEntry
}

// shardData is one shard's value.
type shardData struct {
	Windows map[string]*window    `json:"windows,omitempty"`
	Facts   map[string]*factEntry `json:"facts,omitempty"`
}

const msPerHour = 60 * 60 * 1000

// hourOf is the unix hour of a unix ms (floored).
func hourOf(ms int64) int64 {
	if ms < 0 {
		return (ms+1)/msPerHour - 1
	}
	return ms / msPerHour
}

func (st *state) shard(h int64) *shardIndex {
	s := st.hours[h]
	if s == nil {
		s = &shardIndex{windows: map[string]*window{}, facts: map[string]*factEntry{}}
		st.hours[h] = s
	}
	return s
}

// putWindow adds an open window; dropWindow removes one.
func (st *state) putWindow(k string, w *window) {
	w.key = k
	st.Windows[k] = w
	h := hourOf(w.Start)
	st.shard(h).windows[k] = w
	st.dirty[h] = true
}

func (st *state) dropWindow(k string, w *window) {
	delete(st.Windows, k)
	h := hourOf(w.Start)
	if s := st.hours[h]; s != nil {
		delete(s.windows, k)
	}
	st.dirty[h] = true
}

// putFact sets a fact key's entry (old: the entry it replaces, or nil);
// dropFact removes it.
func (st *state) putFact(k string, old, e *factEntry) {
	if old != nil && hourOf(old.At) != hourOf(e.At) {
		st.dropFact(k, old)
	}
	st.Facts[k] = e
	h := hourOf(e.At)
	st.shard(h).facts[k] = e
	st.dirty[h] = true
}

func (st *state) dropFact(k string, e *factEntry) {
	delete(st.Facts, k)
	h := hourOf(e.At)
	if s := st.hours[h]; s != nil && s.facts[k] == e {
		delete(s.facts, k)
	}
	st.dirty[h] = true
}

// markWindow records that a window changed in place, so its shard is
// written by the next save.
func (st *state) markWindow(w *window) { st.dirty[hourOf(w.Start)] = true }

func newState() *state {
	return &state{Version: stateVersion, Streams: map[string]*stream{}, Windows: map[string]*window{}, Since: map[string]int64{},
		Pending: map[string]bool{}, Facts: map[string]*factEntry{}, Holds: map[string]int64{},
		hours: map[int64]*shardIndex{}, present: map[int64]bool{}, dirty: map[int64]bool{}}
}

// stream is the high-water mark of one input stream (resource, scope,
// metric, attributes): what of it has been counted.
type stream struct {
	Start int64 `json:"start"` // StartTimestamp of the counted incarnation (ns)
	Last  int64 `json:"last"`  // newest Timestamp counted (ns)
	// The last cumulative value counted.
	Int     int64     `json:"int,omitempty"`
	Double  float64   `json:"double,omitempty"`
	Count   uint64    `json:"count,omitempty"`
	Sum     float64   `json:"sum,omitempty"`
	Bounds  []float64 `json:"bounds,omitempty"`
	Buckets []uint64  `json:"buckets,omitempty"`
}

// window is one open calendar window of one metric and attribute set: its
// absolute total so far.
type window struct {
	Metric      string `json:"metric"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
	Histogram   bool   `json:"histogram,omitempty"`
	Monotonic   bool   `json:"monotonic,omitempty"`
	Double      bool   `json:"double,omitempty"`
	Nano        bool   `json:"nano,omitempty"` // Int counts 1e-9 of the unit (logs-mode cost): the value is Int/1e9
	Period      string `json:"period"`
	Start       int64  `json:"start"` // unix ms
	End         int64  `json:"end"`   // unix ms, exclusive
	// Resource and Attributes are canonical JSON of the attribute maps.
	Resource   string `json:"resource"`
	Attributes string `json:"attributes"`
	// Observed is the newest point timestamp counted in the window (ns).
	Observed int64 `json:"observed"`
	// key is the window's windowKey (set when it is stored).
	key string

	// Facts (logs mode) is the number of facts counted in the window. A
	// window whose facts all moved to another window (a kept copy with a
	// later time) is empty, and is removed downstream rather than stored
	// as a 0: the fact-backed series has no point there.
	Facts int64 `json:"facts,omitempty"`

	Int     int64     `json:"int,omitempty"`
	Value   float64   `json:"value,omitempty"`
	Count   uint64    `json:"count,omitempty"`
	Sum     float64   `json:"sum,omitempty"`
	Bounds  []float64 `json:"bounds,omitempty"`
	Buckets []uint64  `json:"buckets,omitempty"`
}

// canonical renders attributes as JSON with sorted keys: the identity of an
// attribute set in stream and window keys.
func canonical(m pcommon.Map) string {
	b, _ := json.Marshal(m.AsRaw())
	return string(b)
}

// putCanonical adds attributes rendered by canonical to m. Numbers that are
// integers come back as ints (JSON does not keep the distinction).
func putCanonical(m pcommon.Map, s string) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	for k, v := range raw {
		if err := m.PutEmpty(k).FromRaw(fromJSON(v)); err != nil {
			return err
		}
	}
	return nil
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = fromJSON(x[k])
		}
	}
	return v
}

// load reads the persisted state; a missing key is a fresh start.
func load(ctx context.Context, client storage.Client) (*state, error) {
	b, err := client.Get(ctx, stateKey)
	if err != nil {
		return nil, fmt.Errorf("rollup: read state: %w", err)
	}
	st := newState()
	if b == nil {
		return st, nil
	}
	if err := json.Unmarshal(b, st); err != nil {
		return nil, fmt.Errorf("rollup: decode state: %w", err)
	}
	if st.Version != stateVersion && st.Version != 1 {
		return nil, fmt.Errorf("rollup: state version %d, this build reads 1 and %d", st.Version, stateVersion)
	}
	st.Version = stateVersion
	if st.Streams == nil {
		st.Streams = map[string]*stream{}
	}
	if st.Since == nil {
		st.Since = map[string]int64{}
	}
	if st.Pending == nil {
		st.Pending = map[string]bool{}
	}
	if st.Holds == nil {
		st.Holds = map[string]int64{}
	}
	if st.Horizon == 0 {
		st.Horizon = st.Watermark
	}
	st.hours, st.present, st.dirty = map[int64]*shardIndex{}, map[int64]bool{}, map[int64]bool{}
	// Windows and facts of an unsharded or day-sharded state: the next save
	// moves them to hour shards (putWindow and putFact mark them dirty).
	windows, facts := st.Windows, st.Facts
	st.Windows, st.Facts = map[string]*window{}, map[string]*factEntry{}
	for k, w := range windows {
		st.putWindow(k, w)
	}
	for k, e := range facts {
		st.putFact(k, nil, e)
	}
	st.legacyDays, st.Shards = st.Shards, nil
	for _, id := range st.legacyDays {
		if err := loadShard(ctx, client, shardKey(id), st); err != nil {
			return nil, err
		}
	}
	migrate := st.dirty
	st.dirty = map[int64]bool{}
	for _, h := range st.HourShards {
		if err := loadShard(ctx, client, hourKey(h), st); err != nil {
			return nil, err
		}
		st.present[h] = true
	}
	// Hour shards are stored as they are: only migrated contents are dirty.
	st.dirty = migrate
	return st, nil
}

func loadShard(ctx context.Context, client storage.Client, key string, st *state) error {
	b, err := client.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("rollup: read state: %w", err)
	}
	var sd shardData
	if err := json.Unmarshal(b, &sd); err != nil {
		return fmt.Errorf("rollup: decode state shard %s: %w", key, err)
	}
	for k, w := range sd.Windows {
		st.putWindow(k, w)
	}
	for k, e := range sd.Facts {
		st.putFact(k, nil, e)
	}
	return nil
}

func shardKey(day int64) string { return shardPrefix + strconv.FormatInt(day, 10) }

func hourKey(hour int64) string { return hourPrefix + strconv.FormatInt(hour, 10) }

// save writes the core and the changed hour shards in one storage Batch
// (one transaction), and deletes the day shards of a version-1 state.
func save(ctx context.Context, client storage.Client, st *state) error {
	present := maps.Clone(st.present)
	ops := make([]*storage.Operation, 0, len(st.dirty)+len(st.legacyDays)+1)
	for h := range st.dirty {
		s := st.hours[h]
		if s == nil || (len(s.windows) == 0 && len(s.facts) == 0) {
			if present[h] {
				ops = append(ops, storage.DeleteOperation(hourKey(h)))
				delete(present, h)
			}
			continue
		}
		b, err := json.Marshal(&shardData{Windows: s.windows, Facts: s.facts})
		if err != nil {
			return fmt.Errorf("rollup: encode state: %w", err)
		}
		ops = append(ops, storage.SetOperation(hourKey(h), b))
		present[h] = true
	}
	for _, id := range st.legacyDays {
		ops = append(ops, storage.DeleteOperation(shardKey(id)))
	}
	core := *st
	core.Windows, core.Facts, core.Shards = nil, nil, nil
	core.HourShards = slices.Sorted(maps.Keys(present))
	b, err := json.Marshal(&core)
	if err != nil {
		return fmt.Errorf("rollup: encode state: %w", err)
	}
	ops = append(ops, storage.SetOperation(stateKey, b))
	if err := client.Batch(ctx, ops...); err != nil {
		return fmt.Errorf("rollup: save state: %w", err)
	}
	for h := range st.dirty {
		if s := st.hours[h]; s != nil && len(s.windows) == 0 && len(s.facts) == 0 {
			delete(st.hours, h)
		}
	}
	st.present, st.dirty, st.HourShards, st.legacyDays = present, map[int64]bool{}, core.HourShards, nil
	return nil
}
