// Package ingest reads Claude Code transcripts incrementally: a backfill of
// the whole history, then tailing. It turns whole lines into facts with the
// transcript extractor, hands them to the pipeline in batches, and advances a
// file's checkpoint only after the pipeline accepted the batch. It knows
// nothing about the collector: the receiver supplies an Emit function and a
// Persister.
//
// Each pass plans the files that grew, lets several readers parse them in
// parallel (files are independent), and funnels their chunks through one
// emitter that batches chunks across files, emits in order, and then saves
// the checkpoints of exactly the chunks that were accepted.
package ingest

import (
	"context"
	"errors"
	"runtime"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

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
	BatchFacts     int           // emit once this many facts are collected...
	BatchBytes     int64         // ...or a reader has read this many bytes of lines
	MaxLineSize    int           // longer lines are skipped and counted as bad
	Readers        int           // files parsed in parallel (0: GOMAXPROCS)
	IncludeContent bool          // prompts and tool I/O in fact payloads
	Reporter       string        // identifies this reader in ingest progress (host + receiver id)
	Logger         *zap.Logger
	Persister      Persister
	Emit           Emit
	// Accepted, when set, is called once for every batch Emit accepted, in
	// read order, on the ingestor's goroutine, before the batch's
	// checkpoints are saved: the place for per-batch state that must see
	// batches in order (cumulative metrics, spans).
	Accepted func(ctx context.Context, batch []facts.Fact)
	// EmitAhead is how many more batches may be handed to Emit while one
	// is still in the pipeline (0: one at a time). With EmitAhead > 0 Emit
	// is called from several goroutines at once and batches may be
	// accepted out of order (the pipeline's work on one batch overlaps
	// with the database write of the one before); Accepted and the
	// checkpoints still follow read order, and a batch's checkpoints are
	// saved only when it and every batch before it were accepted.
	EmitAhead int
	// ReleaseIdle drops the parse state (pending tool calls, sidechain
	// roots, de-dup state) of a file read to its end whose last change is
	// older than this (0: keep it for the life of the process). It is most
	// of the memory a caught-up collector holds, and it grows with the
	// history; if such a file grows again, its state is rebuilt by
	// replaying the already-read prefix, as after a restart.
	ReleaseIdle time.Duration
	Observer    Observer // optional self-telemetry hooks
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
	files map[string]*fileState // touched by the Run goroutine only

	mu       sync.Mutex // guards progress, read by Progress()
	progress facts.IngestProgress
	// lastReport is the time of the last progress fact (progressOf).
	lastReport time.Time

	backfillStart time.Time
	backfillBytes int64
	lastLog       time.Time

	// ahead is what the batches still in the pipeline will add once
	// accepted (EmitAhead > 0), so the progress fact of the next batch
	// counts them too. Owned by the Run goroutine.
	ahead struct {
		next       map[*fileState]checkpoint
		lines, bad int64
	}
}

// fileState is the state of one transcript file. cp, size and modTime are
// owned by the Run goroutine; extractor and warned by the one reader that
// has the file during a pass.
type fileState struct {
	info      transcript.FileInfo
	cp        checkpoint // last checkpoint accepted downstream and saved
	loaded    bool       // cp read from the persister
	size      int64
	modTime   time.Time
	extractor *transcript.Extractor // nil until the file is first read in this process, and once released (ReleaseIdle)
	warned    bool                  // a bad line of this file was already logged at warn level
}

// New returns an Ingestor.
func New(set Settings) *Ingestor {
	if set.Observer == nil {
		set.Observer = nopObserver{}
	}
	if set.Logger == nil {
		set.Logger = zap.NewNop()
	}
	if set.Readers <= 0 {
		set.Readers = runtime.GOMAXPROCS(0)
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
			in.set.Logger.Warn("Transcript pass incomplete; retrying", zap.Error(err))
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

// pass discovers files, reads every file that grew, and reports whether
// every known file is now read to its end.
func (in *Ingestor) pass(ctx context.Context) (bool, error) {
	// Resolved every pass: a projects/ folder may appear after start-up.
	infos, err := transcript.Discover(transcript.ProjectsDirs(in.set.ConfigDirs))
	for _, fi := range infos {
		if _, ok := in.files[fi.Path]; !ok {
			in.files[fi.Path] = &fileState{info: fi}
		}
	}
	in.set.Observer.Files(int64(len(in.files)))
	jobs, planErr := in.plan(ctx)
	errs := []error{err, planErr}
	if len(jobs) > 0 {
		errs = append(errs, in.readAll(ctx, jobs))
	}
	in.updateProgress()
	err = errors.Join(errs...)
	return err == nil && in.allCaughtUp(), err
}

// plan stats every file, loads checkpoints on first sight, detects
// replaced files, and returns the files that have new bytes, largest first
// so parallel readers finish together.
func (in *Ingestor) plan(ctx context.Context) ([]*job, error) {
	var jobs []*job
	var errs []error
	for _, fs := range in.files { // planFile may delete the entry: allowed while ranging
		j, err := in.planFile(ctx, fs)
		if err != nil {
			errs = append(errs, err)
		} else if j != nil {
			jobs = append(jobs, j)
		}
	}
	sort.Slice(jobs, func(a, b int) bool {
		if da, db := jobs[a].fs.size-jobs[a].start.Offset, jobs[b].fs.size-jobs[b].start.Offset; da != db {
			return da > db
		}
		return jobs[a].fs.info.Path < jobs[b].fs.info.Path
	})
	return jobs, errors.Join(errs...)
}

// readAll runs the readers over jobs and emits their chunks in order.
func (in *Ingestor) readAll(ctx context.Context, jobs []*job) error {
	readCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan *job)
	// Readers run ahead of the writer, so parsing overlaps with the database
	// write, but only by inFlightBytes of source lines: that bounds memory
	// however many small files or big chunks are waiting.
	chunks := make(chan *chunk, 256)
	budget := semaphore.NewWeighted(in.inFlightBytes())
	var wg sync.WaitGroup
	for range min(in.set.Readers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				in.read(readCtx, j, chunks, budget)
			}
		}()
	}
	go func() {
		defer close(queue)
		for _, j := range jobs {
			select {
			case queue <- j:
			case <-readCtx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(chunks) }()

	err := in.emitChunks(ctx, chunks, budget)
	cancel()
	for range chunks { // let readers stop; nothing more is emitted
	}
	return err
}

// emitChunks batches chunks across files, emits each batch, and saves the
// checkpoints of the accepted chunks. It returns when chunks is closed or
// on shutdown.
func (in *Ingestor) emitChunks(ctx context.Context, chunks <-chan *chunk, budget *semaphore.Weighted) error {
	var errs []error
	var pending []*chunk
	nFacts := 0
	var inflight []*emission // in read order
	failed := false          // a batch was not accepted: later ones keep their checkpoints back
	finishOldest := func() {
		e := inflight[0]
		inflight = inflight[1:]
		if err := in.finishEmission(ctx, e, budget, failed); err != nil {
			errs = append(errs, err)
			failed = true
		}
	}
	// drain finishes every batch in flight; it returns the errors so far.
	drain := func() error {
		for len(inflight) > 0 {
			finishOldest()
		}
		return errors.Join(errs...)
	}
	flush := func() error {
		if len(pending) == 0 {
			return nil
		}
		inflight = append(inflight, in.startEmission(ctx, pending, nFacts))
		pending, nFacts = nil, 0 // their facts are in the emission's batch now
		for len(inflight) > in.set.EmitAhead {
			finishOldest()
		}
		if failed {
			return drain()
		}
		return nil
	}
	for {
		var c *chunk
		var ok bool
		select {
		case c, ok = <-chunks:
		default:
			// Nothing ready: emit what we have rather than wait.
			if err := flush(); err != nil {
				return err
			}
			// Then wait for a chunk, finishing batches that complete
			// meanwhile: a batch in flight may hold the whole in-flight
			// budget, and the readers need it back to send anything.
			for waiting := true; waiting; {
				var done <-chan error
				if len(inflight) > 0 && !inflight[0].finished {
					done = inflight[0].done // nil (never ready) for inline emissions
				}
				select {
				case c, ok = <-chunks:
					waiting = false
				case err := <-done:
					inflight[0].err, inflight[0].finished = err, true
					finishOldest()
				}
			}
		}
		if !ok {
			if err := flush(); err != nil {
				return err
			}
			return drain()
		}
		if c.err != nil {
			errs = append(errs, c.err)
		}
		pending = append(pending, c)
		nFacts += len(c.facts)
		if nFacts >= in.set.BatchFacts {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

// inFlightBytes is how many bytes of parsed lines may wait for the writer.
// Parsed facts are the bulk of a backfill's heap, but less budget starves
// the writer: with 3x BatchBytes a 2.1 GB history took 51-55 s instead of
// 46-50 s for 10 MB less peak RSS (most of the memory a long backfill used
// to keep was the parse state of finished files; see ReleaseIdle).
func (in *Ingestor) inFlightBytes() int64 { return 4 * in.set.BatchBytes }

// emission is one batch handed to Emit: the facts of some chunks and the
// checkpoints their files reach once it is accepted.
type emission struct {
	batch             []facts.Fact
	next              map[*fileState]checkpoint
	lines, bad, bytes int64
	weight            int64      // in-flight budget to release when finished
	err               error      // Emit's result when emitted inline, or once received from done
	done              chan error // Emit's result when emitted on its own goroutine
	finished          bool       // the result from done is in err
}

// startEmission builds the batch of the pending chunks and hands it to
// Emit: inline when batches go one at a time, else on a goroutine.
func (in *Ingestor) startEmission(ctx context.Context, pending []*chunk, nFacts int) *emission {
	e := &emission{batch: make([]facts.Fact, 0, nFacts+1), next: map[*fileState]checkpoint{}}
	for _, c := range pending {
		e.batch = append(e.batch, c.facts...)
		e.weight += c.weight
		prev, seen := e.next[c.fs]
		if !seen {
			prev = c.from
		}
		e.lines += c.to.Lines - prev.Lines
		e.bad += c.to.BadLines - prev.BadLines
		e.bytes += c.to.Offset - prev.Offset
		e.next[c.fs] = c.to
	}
	if len(e.batch) == 0 && e.bytes == 0 {
		e.batch = nil
		return e
	}
	if in.set.EmitAhead <= 0 {
		e.batch = append(e.batch, in.progressFact(e.next, e.lines, e.bad))
		e.err = in.emitWithRetry(ctx, e.batch)
		return e
	}
	// The progress fact describes the state once this batch and the ones
	// still ahead of it are accepted.
	if in.ahead.next == nil {
		in.ahead.next = map[*fileState]checkpoint{}
	}
	for fs, cp := range e.next {
		in.ahead.next[fs] = cp
	}
	in.ahead.lines += e.lines
	in.ahead.bad += e.bad
	e.batch = append(e.batch, in.progressFact(in.ahead.next, in.ahead.lines, in.ahead.bad))
	e.done = make(chan error, 1)
	go func() { e.done <- in.emitWithRetry(ctx, e.batch) }()
	return e
}

// finishEmission waits for the batch, releases its budget and, when it was
// accepted and no earlier batch failed (holdBack), runs Accepted and saves
// the checkpoints in one storage transaction.
func (in *Ingestor) finishEmission(ctx context.Context, e *emission, budget *semaphore.Weighted, holdBack bool) error {
	if e.done != nil && !e.finished {
		e.err, e.finished = <-e.done, true
	}
	err := e.err
	if e.done != nil {
		in.ahead.lines -= e.lines
		in.ahead.bad -= e.bad
		for fs, cp := range e.next {
			if in.ahead.next[fs] == cp { // no later batch moved it further
				delete(in.ahead.next, fs)
			}
		}
	}
	budget.Release(e.weight)
	if err != nil || holdBack || e.batch == nil {
		return err
	}
	if in.set.Accepted != nil {
		in.set.Accepted(ctx, e.batch)
	}
	kv := make(map[string][]byte, len(e.next))
	for fs, cp := range e.next {
		kv[checkpointPrefix+fs.info.Path] = encodeCheckpoint(cp)
	}
	if err := in.set.Persister.SetAll(ctx, kv); err != nil {
		// The data is stored; a lost checkpoint means a harmless re-read.
		in.set.Logger.Warn("Could not save read checkpoints; those lines will be read again after a restart", zap.Error(err))
	}
	for fs, cp := range e.next {
		fs.cp = cp
	}
	in.addProgress(e.lines, e.bad, e.bytes)
	in.maybeLogProgress()
	return nil
}

// emitAccepted emits one batch on the ingestor's goroutine and runs
// Accepted once it was accepted.
func (in *Ingestor) emitAccepted(ctx context.Context, batch []facts.Fact) error {
	if err := in.emitWithRetry(ctx, batch); err != nil {
		return err
	}
	if in.set.Accepted != nil {
		in.set.Accepted(ctx, batch)
	}
	return nil
}

// emitWithRetry retries until the pipeline accepts the batch or the
// receiver shuts down: dropping a batch would lose data, since the
// checkpoints would move past it.
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
		in.set.Logger.Warn("Pipeline refused a batch of transcript facts; retrying (checkpoints not advanced)",
			zap.Int("facts", len(batch)), zap.Int("attempt", attempt), zap.Duration("backoff", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}
