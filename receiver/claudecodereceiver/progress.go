package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/ingest"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/progressfiles"
)

// progressDataFormat names progress files in the receiver's obsreport.
const progressDataFormat = "progress_markdown"

// ProgressConfig configures the progress-file watcher (features and tasks).
type ProgressConfig struct {
	// Enabled turns the watcher on.
	Enabled bool `mapstructure:"enabled"`
	// Include globs (path.Match segments plus **). Relative globs are
	// applied under every project folder seen in transcripts (their cwd)
	// and its ancestors that hold .claude/progress; absolute globs and
	// ~/... name files directly.
	Include []string `mapstructure:"include"`
	// Exclude globs, matched against the path relative to the project
	// folder (absolute globs: against the absolute path).
	Exclude []string `mapstructure:"exclude"`
	// PollInterval is how often the files are looked for and re-checked.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	_ struct{}
}

func defaultProgressConfig() ProgressConfig {
	return ProgressConfig{
		Enabled:      true,
		Include:      []string{progressfiles.DefaultInclude},
		PollInterval: 10 * time.Second,
	}
}

func (c *ProgressConfig) validate() []error {
	if !c.Enabled {
		return nil
	}
	var errs []error
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("progress.poll_interval must be positive, got %s", c.PollInterval))
	}
	if len(c.Include) == 0 {
		errs = append(errs, errors.New("progress.include must list at least one glob when progress is enabled"))
	}
	for _, list := range []struct {
		name  string
		globs []string
	}{{"include", c.Include}, {"exclude", c.Exclude}} {
		for _, g := range list.globs {
			if err := checkGlob(g); err != nil {
				errs = append(errs, fmt.Errorf("progress.%s %q: %w", list.name, g, err))
			}
		}
	}
	return errs
}

func checkGlob(g string) error {
	if strings.TrimSpace(g) == "" {
		return errors.New("empty glob")
	}
	for _, seg := range strings.Split(filepath.ToSlash(g), "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return err
		}
	}
	return nil
}

// projectSet holds the project folders (cwd values) of the transcript facts
// the pipeline accepted: the roots the progress watcher walks.
type projectSet struct {
	mu   sync.Mutex
	m    map[string]struct{}
	last string // the most recent addition, to skip repeats cheaply
}

func newProjectSet() *projectSet { return &projectSet{m: map[string]struct{}{}} }

func (p *projectSet) addFrom(batch []facts.Fact) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range batch {
		cwd := batch[i].Cwd
		if cwd == "" || cwd == p.last {
			continue
		}
		p.m[cwd] = struct{}{}
		p.last = cwd
	}
}

func (p *projectSet) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, 0, len(p.m))
	for d := range p.m {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// acceptedTranscript is the ingestor's Accepted: the receiver's per-batch
// steps, then the batch's project folders are noted for the progress
// watcher. (The ingestor's Emit is emitLogs.)
func (r *claudeCodeReceiver) acceptedTranscript(ctx context.Context, batch []facts.Fact) {
	r.accepted(ctx, batch)
	if r.projects != nil {
		r.projects.addFrom(batch)
	}
}

// emitProgress sends progress facts down the logs pipeline, the same path
// as transcript facts. They make no metrics and no spans, and the watcher
// runs on its own goroutine, so it does not touch emit's per-batch state.
func (r *claudeCodeReceiver) emitProgress(ctx context.Context, batch []facts.Fact) error {
	ld := r.toLogs(batch)
	opCtx := r.obsrecv.StartLogsOp(ctx)
	err := r.logs.ConsumeLogs(opCtx, ld)
	r.obsrecv.EndLogsOp(opCtx, progressDataFormat, ld.LogRecordCount(), err)
	return err
}

// startProgress starts the progress watcher on runCtx when it is enabled and
// a logs pipeline consumes the receiver. persister is the checkpoint store
// (a fresh in-memory one when there is no storage extension: the ingestor's
// in-memory store is not safe for a second goroutine).
func (r *claudeCodeReceiver) startProgress(runCtx context.Context, persister ingest.Persister) error {
	pc := r.cfg.Progress
	if !pc.Enabled || r.logs == nil {
		return nil
	}
	if r.client == nil {
		persister = ingest.NewMemPersister()
	}
	// Hand-built rather than generated so metadata.yaml stays with the
	// helpers that own it; named like the generated self-metrics.
	malformed, err := metadata.Meter(r.settings.TelemetrySettings).Int64Counter(
		"otelcol_receiver_claude_code_progress_files_malformed",
		metric.WithDescription("Progress files skipped because their front matter could not be read (once per file and modification time)."),
		metric.WithUnit("{file}"))
	if err != nil {
		return err
	}
	w := progressfiles.New(progressfiles.Settings{
		Include: pc.Include, Exclude: pc.Exclude, PollInterval: pc.PollInterval,
		Roots:       r.projects.list,
		Logger:      r.settings.Logger.With(zap.String("input", "progress")),
		Persister:   persister,
		Emit:        r.emitProgress,
		OnMalformed: func() { malformed.Add(context.Background(), 1) },
	})
	r.progressDone = make(chan struct{})
	go func() {
		defer close(r.progressDone)
		w.Run(runCtx)
	}()
	return nil
}

// waitProgress waits for the watcher to stop (after the run context ended).
func (r *claudeCodeReceiver) waitProgress(ctx context.Context) error {
	if r.progressDone == nil {
		return nil
	}
	select {
	case <-r.progressDone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
