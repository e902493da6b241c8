// Package ingest reads Claude Code transcripts incrementally: a backfill of
// the whole history, then tailing. It turns whole lines into facts with the
// transcript extractor, hands them to the pipeline in batches, and advances a
// file's checkpoint only after the pipeline accepted the batch. It knows
// nothing about the collector: the receiver supplies an Emit function and a
// Persister.
package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// Emit hands a batch of facts to the pipeline. It returns nil only when the
// pipeline accepted the batch; the ingestor then advances checkpoints.
type Emit func(ctx context.Context, batch []facts.Fact) error

// Settings configure an Ingestor.
type Settings struct {
	ConfigDirs     []string      // Claude config dirs (CLAUDE_CONFIG_DIR entries); empty = defaults
	PollInterval   time.Duration // how often to look for new files and new lines
	BatchFacts     int           // emit after this many facts...
	BatchBytes     int64         // ...or after this many bytes of lines
	MaxLineSize    int           // longer lines are skipped and counted as bad
	IncludeContent bool          // prompts and tool I/O in fact payloads
	Reporter       string        // identifies this reader in ingest progress (host + receiver id)
	Logger         *zap.Logger
	Persister      Persister
	Emit           Emit
	Observer       Observer // optional self-telemetry hooks
}

// Observer receives self-telemetry as it happens.
type Observer interface {
	LinesRead(n int64)
	BadLines(n int64)
	BytesRead(n int64)
	Files(n int64)
}

type nopObserver struct{}

func (nopObserver) LinesRead(int64) {}
func (nopObserver) BadLines(int64)  {}
func (nopObserver) BytesRead(int64) {}
func (nopObserver) Files(int64)     {}

// Ingestor owns the read loop. Run it in one goroutine.
type Ingestor struct {
	set   Settings
	files map[string]*fileState

	mu       sync.Mutex // guards progress, read by Progress()
	progress facts.IngestProgress

	backfillStart time.Time
	backfillBytes int64
	lastLog       time.Time
}

// fileState is the in-memory state of one transcript file.
type fileState struct {
	info      transcript.FileInfo
	cp        checkpoint
	loaded    bool                  // checkpoint read from the persister
	extractor *transcript.Extractor // nil until the file is first read in this process
	size      int64
	modTime   time.Time
	warned    bool // a bad line of this file was already logged at warn level
}

// New returns an Ingestor.
func New(set Settings) *Ingestor {
	if set.Observer == nil {
		set.Observer = nopObserver{}
	}
	if set.Logger == nil {
		set.Logger = zap.NewNop()
	}
	return &Ingestor{set: set, files: map[string]*fileState{}}
}

// Progress returns the current progress snapshot.
func (in *Ingestor) Progress() facts.IngestProgress {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.progress
}

// Run backfills, then tails until ctx is cancelled.
func (in *Ingestor) Run(ctx context.Context) {
	in.backfillStart = time.Now()
	backfillDone := false
	for {
		caughtUp, err := in.pass(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			in.set.Logger.Warn("Transcript pass failed; retrying", zap.Error(err))
		} else if caughtUp && !backfillDone {
			backfillDone = true
			in.finishBackfill(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(in.set.PollInterval):
		}
	}
}

// pass discovers files and reads every file that grew. It reports whether
// every known file was read to its end.
func (in *Ingestor) pass(ctx context.Context) (bool, error) {
	// Resolved every pass: a projects/ folder may appear after start-up.
	infos, err := transcript.Discover(transcript.ProjectsDirs(in.set.ConfigDirs))
	if err != nil {
		return false, err
	}
	for _, fi := range infos {
		if _, ok := in.files[fi.Path]; !ok {
			in.files[fi.Path] = &fileState{info: fi}
		}
	}
	in.set.Observer.Files(int64(len(in.files)))
	paths := make([]string, 0, len(in.files))
	for p := range in.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	var errs []error
	for _, p := range paths {
		if ctx.Err() != nil {
			return false, nil
		}
		if err := in.readFile(ctx, in.files[p]); err != nil {
			errs = append(errs, err)
		}
	}
	in.updateProgress()
	return in.allCaughtUp() && len(errs) == 0, errors.Join(errs...)
}

// readFile reads the new whole lines of one file in batches.
func (in *Ingestor) readFile(ctx context.Context, fs *fileState) error {
	st, err := os.Stat(fs.info.Path)
	if err != nil {
		if os.IsNotExist(err) {
			// Claude Code deletes old transcripts (cleanupPeriodDays): what
			// we stored stays; stop tracking the file.
			delete(in.files, fs.info.Path)
			return nil
		}
		return err
	}
	fs.size, fs.modTime = st.Size(), st.ModTime()
	if !fs.loaded {
		if fs.cp, err = loadCheckpoint(ctx, in.set.Persister, fs.info.Path); err != nil {
			return err
		}
		fs.loaded = true
		in.mu.Lock() // lines stored before a restart still count as read
		in.progress.LinesRead += fs.cp.Lines
		in.progress.BadLines += fs.cp.BadLines
		in.mu.Unlock()
	}
	if fs.size == fs.cp.Offset {
		return nil // nothing new; extractor state is rebuilt only when the file grows
	}

	f, err := os.Open(fs.info.Path)
	if err != nil {
		return err
	}
	defer f.Close()

	if fs.cp.Offset > 0 {
		fp, err := fingerprint(f, min(fs.cp.Offset, fingerprintSize))
		if err != nil {
			return err
		}
		if fs.size < fs.cp.Offset || fp != fs.cp.Fingerprint {
			in.set.Logger.Info("Transcript was replaced or truncated; reading it again from the start",
				zap.String("file", fs.info.Path))
			fs.cp = checkpoint{}
			fs.extractor = nil
		}
	}
	if fs.extractor == nil {
		fs.extractor = transcript.NewExtractor(fs.info, transcript.Options{IncludeContent: in.set.IncludeContent})
		if fs.cp.Offset > 0 {
			// Restarted mid-history: replay the already-stored prefix
			// without emitting, so cross-line state (tool_use times,
			// sidechain roots) is as if the file had been read in one go.
			if err := in.rebuild(f, fs); err != nil {
				return err
			}
		}
	}
	if _, err := f.Seek(fs.cp.Offset, io.SeekStart); err != nil {
		return err
	}
	return in.readLines(ctx, f, fs)
}

func (in *Ingestor) rebuild(f *os.File, fs *fileState) error {
	lr := newLineReader(io.LimitReader(f, fs.cp.Offset), 0, in.set.MaxLineSize)
	discard := func(facts.Fact) {}
	for {
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.Is(err, errOversized):
			continue
		case err != nil:
			return err
		}
		_ = fs.extractor.Line(line, discard)
	}
}

func (in *Ingestor) readLines(ctx context.Context, f *os.File, fs *fileState) error {
	lr := newLineReader(f, fs.cp.Offset, in.set.MaxLineSize)
	batch := make([]facts.Fact, 0, in.set.BatchFacts)
	collect := func(ft facts.Fact) { batch = append(batch, ft) }
	next := fs.cp
	var batchBytes int64

	flush := func() error {
		fs.extractor.EndBatch(collect)
		if len(batch) == 0 && next.Offset == fs.cp.Offset {
			return nil
		}
		next.Fingerprint = ""
		fp, err := fingerprint(f, min(next.Offset, fingerprintSize))
		if err != nil {
			return err
		}
		next.Fingerprint = fp
		read := next.Offset - fs.cp.Offset
		in.addProgress(next.Lines-fs.cp.Lines, next.BadLines-fs.cp.BadLines, read)
		if err := in.emitWithRetry(ctx, append(batch, in.progressFact(fs, next))); err != nil {
			return err
		}
		if err := saveCheckpoint(ctx, in.set.Persister, fs.info.Path, next); err != nil {
			return err
		}
		fs.cp = next
		batch = batch[:0]
		batchBytes = 0
		in.maybeLogProgress()
		return nil
	}

	for {
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return flush()
		case errors.Is(err, errOversized):
			next.Lines++
			next.BadLines++
			in.warnBadLine(fs, next.Lines, err)
		case err != nil:
			return errors.Join(fmt.Errorf("read %s: %w", fs.info.Path, err), flush())
		default:
			next.Lines++
			if lerr := fs.extractor.Line(line, collect); lerr != nil {
				next.BadLines++
				in.warnBadLine(fs, next.Lines, lerr)
			}
			batchBytes += int64(len(line)) + 1
		}
		next.Offset = lr.offset
		if len(batch) >= in.set.BatchFacts || batchBytes >= in.set.BatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// emitWithRetry retries until the pipeline accepts the batch or the
// receiver shuts down: dropping a batch would lose data, since the
// checkpoint would move past it.
func (in *Ingestor) emitWithRetry(ctx context.Context, batch []facts.Fact) error {
	backoff := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := in.set.Emit(ctx, batch)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		in.set.Logger.Warn("Pipeline refused a batch of transcript facts; retrying (checkpoint not advanced)",
			zap.Int("facts", len(batch)), zap.Int("attempt", attempt), zap.Duration("backoff", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (in *Ingestor) warnBadLine(fs *fileState, line int64, err error) {
	in.set.Observer.BadLines(1)
	if fs.warned {
		in.set.Logger.Debug("Skipped bad transcript line", zap.String("file", fs.info.Path), zap.Int64("line", line), zap.Error(err))
		return
	}
	fs.warned = true
	in.set.Logger.Warn("Skipped bad transcript line (further bad lines of this file are logged at debug level)",
		zap.String("file", fs.info.Path), zap.Int64("line", line), zap.Error(err))
}
