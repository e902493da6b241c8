// Package synth generates realistic synthetic Claude Code histories: trees of
// projects/<slug>/<session>.jsonl transcripts (plus 2.1-style subagent files)
// whose line shapes mirror real Claude Code 2.1.3x transcripts. It feeds the
// backfill benchmark and the differential tests against ccusage.
//
// Output is a pure function of Config (seed, size, days, end): the same
// config always writes byte-identical files, whatever the worker count.
package synth

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultEnd is the default end of the generated time window. Fixed (not
// time.Now) so that a seed always produces the same dates.
var DefaultEnd = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// Config says what to generate.
type Config struct {
	OutDir  string    // the Claude config dir to create; files go to OutDir/projects/...
	Size    int64     // approximate total bytes to write (subagent files included)
	Seed    uint64    // random seed
	Days    int       // sessions start within the Days days before End
	End     time.Time // end of the window (zero: DefaultEnd)
	Workers int       // parallel writers (zero: GOMAXPROCS); does not change the output
}

// Usage is the de-duplicated token usage the generator wrote, one API
// response counted once however many lines and copies carry it. It is the
// ground truth a reader (or ccusage) must reproduce.
type Usage struct {
	Responses       int64
	Input           int64
	Output          int64
	CacheCreation5m int64
	CacheCreation1h int64
	CacheRead       int64
}

// Stats describes what Generate wrote.
type Stats struct {
	Files       int
	Sessions    int
	Subagents   int // subagent files, compaction summarizers included
	Lines       int64
	Bytes       int64
	LinesByType map[string]int64
	Usage       map[string]*Usage // per model
	ToolCalls   int
	ToolErrors  int
	Commits     int
	PRs         int
	Compactions int
	Synthetic   int
	Elapsed     time.Duration
}

func newStats() *Stats {
	return &Stats{LinesByType: map[string]int64{}, Usage: map[string]*Usage{}}
}

func (st *Stats) addUsage(model string, in, out, cc5m, cc1h, read int64) {
	u := st.Usage[model]
	if u == nil {
		u = &Usage{}
		st.Usage[model] = u
	}
	u.Responses++
	u.Input += in
	u.Output += out
	u.CacheCreation5m += cc5m
	u.CacheCreation1h += cc1h
	u.CacheRead += read
}

func (st *Stats) merge(o *Stats) {
	st.Files += o.Files
	st.Sessions += o.Sessions
	st.Subagents += o.Subagents
	st.Lines += o.Lines
	st.Bytes += o.Bytes
	st.ToolCalls += o.ToolCalls
	st.ToolErrors += o.ToolErrors
	st.Commits += o.Commits
	st.PRs += o.PRs
	st.Compactions += o.Compactions
	st.Synthetic += o.Synthetic
	for k, v := range o.LinesByType {
		st.LinesByType[k] += v
	}
	for m, u := range o.Usage {
		t := st.Usage[m]
		if t == nil {
			t = &Usage{}
			st.Usage[m] = t
		}
		t.Responses += u.Responses
		t.Input += u.Input
		t.Output += u.Output
		t.CacheCreation5m += u.CacheCreation5m
		t.CacheCreation1h += u.CacheCreation1h
		t.CacheRead += u.CacheRead
	}
}

// Summary renders the stats for humans.
func (st *Stats) Summary() string {
	var sb strings.Builder
	secs := st.Elapsed.Seconds()
	fmt.Fprintf(&sb, "wrote %.1f MiB in %d files (%d sessions, %d subagent files), %d lines in %.1fs (%.0f MiB/s)\n",
		float64(st.Bytes)/(1<<20), st.Files, st.Sessions, st.Subagents, st.Lines, secs, float64(st.Bytes)/(1<<20)/max(secs, 1e-9))
	types := make([]string, 0, len(st.LinesByType))
	for k := range st.LinesByType {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		fmt.Fprintf(&sb, "  %-22s %9d lines (%4.1f%%)\n", k, st.LinesByType[k], 100*float64(st.LinesByType[k])/float64(max(st.Lines, 1)))
	}
	fmt.Fprintf(&sb, "  tool calls %d (errors %d), commits %d, PRs %d, compactions %d, <synthetic> %d\n",
		st.ToolCalls, st.ToolErrors, st.Commits, st.PRs, st.Compactions, st.Synthetic)
	models := make([]string, 0, len(st.Usage))
	for m := range st.Usage {
		models = append(models, m)
	}
	sort.Strings(models)
	for _, m := range models {
		u := st.Usage[m]
		fmt.Fprintf(&sb, "  %-28s responses %7d  in %10d  out %11d  cache 5m %12d  1h %12d  read %14d\n",
			m, u.Responses, u.Input, u.Output, u.CacheCreation5m, u.CacheCreation1h, u.CacheRead)
	}
	return sb.String()
}

// Generate writes the history described by cfg. OutDir must not contain a
// projects/ folder yet (so that two runs never mix).
func Generate(ctx context.Context, cfg Config) (*Stats, error) {
	if cfg.OutDir == "" || cfg.Size <= 0 || cfg.Days <= 0 {
		return nil, errors.New("synth: OutDir, Size and Days are required")
	}
	if cfg.End.IsZero() {
		cfg.End = DefaultEnd
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	root := filepath.Join(cfg.OutDir, "projects")
	if _, err := os.Stat(root); err == nil {
		return nil, fmt.Errorf("synth: %s already exists", root)
	}
	began := time.Now()
	plans, _ := plan(cfg)
	pool := newTextPool(rand.New(rand.NewPCG(cfg.Seed, 0x7e47)))

	jobs := make(chan *sessionPlan)
	results := make([]*Stats, len(plans))
	errs := make(chan error, cfg.Workers)
	var wg sync.WaitGroup
	for range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sp := range jobs {
				st, err := generateSession(cfg.OutDir, sp, pool)
				if err != nil {
					errs <- fmt.Errorf("synth: session %s: %w", sp.id, err)
					return
				}
				results[sp.index] = st
			}
		}()
	}
	var err error
feed:
	for _, sp := range plans {
		select {
		case jobs <- sp:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	if err != nil {
		return nil, err
	}
	total := newStats()
	for _, st := range results {
		total.merge(st)
	}
	total.Elapsed = time.Since(began)
	return total, nil
}

// ParseSize reads sizes like "500MB", "2GiB", "750k" or "1048576" (binary
// multiples: 1MB = 1 MiB).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("synth: bad size %q", s)
	}
	return int64(f * float64(mult)), nil
}
