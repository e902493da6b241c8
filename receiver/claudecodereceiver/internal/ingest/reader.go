package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// job is one file to read in a pass, from a start checkpoint.
type job struct {
	fs    *fileState
	start checkpoint
}

// chunk is a contiguous range of one file, parsed: the facts of lines
// [from.Offset, to.Offset). A file's chunks reach the emitter in order.
type chunk struct {
	fs       *fileState
	from, to checkpoint
	facts    []facts.Fact
	err      error // a read error after to.Offset; the range itself is good
	weight   int64 // share of the in-flight budget, released after emitting
}

// planFile returns the job for fs, or nil when nothing is new. It runs on
// the Run goroutine, which owns fs.cp.
func (in *Ingestor) planFile(ctx context.Context, fs *fileState) (*job, error) {
	st, err := os.Stat(fs.info.Path)
	if err != nil {
		if os.IsNotExist(err) {
			// Claude Code deletes old transcripts (cleanupPeriodDays): what
			// we stored stays; stop tracking the file.
			delete(in.files, fs.info.Path)
			return nil, nil
		}
		return nil, err
	}
	fs.size, fs.modTime = st.Size(), st.ModTime()
	if !fs.loaded {
		if fs.cp, err = loadCheckpoint(ctx, in.set.Persister, fs.info.Path); err != nil {
			return nil, err
		}
		fs.loaded = true
		in.mu.Lock() // lines stored before a restart still count as read
		in.progress.LinesRead += fs.cp.Lines
		in.progress.BadLines += fs.cp.BadLines
		in.mu.Unlock()
	}
	if fs.size == fs.cp.Offset {
		return nil, nil // nothing new; extractor state is rebuilt only when the file grows
	}
	if fs.cp.Offset > 0 && !in.sameFile(fs) {
		in.set.Logger.Info("Transcript was replaced or truncated; reading it again from the start",
			zap.String("file", fs.info.Path))
		fs.cp = checkpoint{}
		fs.extractor = nil
	}
	return &job{fs: fs, start: fs.cp}, nil
}

// sameFile reports whether the file still starts with the bytes the
// checkpoint was taken on.
func (in *Ingestor) sameFile(fs *fileState) bool {
	if fs.size < fs.cp.Offset {
		return false
	}
	f, err := os.Open(fs.info.Path)
	if err != nil {
		return true // the reader will report the error
	}
	defer f.Close()
	fp, err := fingerprint(f, min(fs.cp.Offset, fingerprintSize))
	return err != nil || fp == fs.cp.Fingerprint
}

// read parses one file from j.start to its last whole line and sends the
// result in chunks. It runs on a reader goroutine that owns the file for
// the pass.
func (in *Ingestor) read(ctx context.Context, j *job, out chan<- *chunk, budget *semaphore.Weighted) {
	fs := j.fs
	send := func(c *chunk) bool {
		c.weight = min(max(c.to.Offset-c.from.Offset, 1), in.inFlightBytes())
		if budget.Acquire(ctx, c.weight) != nil {
			return false
		}
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			budget.Release(c.weight)
			return false
		}
	}
	f, err := os.Open(fs.info.Path)
	if err != nil {
		send(&chunk{fs: fs, from: j.start, to: j.start, err: err})
		return
	}
	defer f.Close()

	if fs.extractor == nil {
		fs.extractor = transcript.NewExtractor(fs.info, transcript.Options{IncludeContent: in.set.IncludeContent})
		if j.start.Offset > 0 {
			// Restarted mid-history: replay the already-stored prefix
			// without emitting, so cross-line state (tool_use times,
			// sidechain roots) is as if the file had been read in one go.
			if err := in.rebuild(f, fs, j.start.Offset); err != nil {
				send(&chunk{fs: fs, from: j.start, to: j.start, err: err})
				return
			}
		}
	}
	if _, err := f.Seek(j.start.Offset, io.SeekStart); err != nil {
		send(&chunk{fs: fs, from: j.start, to: j.start, err: err})
		return
	}

	lr := newLineReader(f, j.start.Offset, in.set.MaxLineSize)
	defer lr.release()
	cur := j.start
	c := &chunk{fs: fs, from: cur}
	collect := func(ft facts.Fact) { c.facts = append(c.facts, ft) }
	var chunkBytes int64
	finish := func(readErr error) bool {
		fs.extractor.EndBatch(collect)
		fp, err := fingerprint(f, min(cur.Offset, fingerprintSize))
		if err != nil {
			readErr = errors.Join(readErr, err)
		}
		cur.Fingerprint = fp
		c.to, c.err = cur, readErr
		if !send(c) {
			return false
		}
		c = &chunk{fs: fs, from: cur}
		chunkBytes = 0
		return true
	}
	for {
		line, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			if finish(nil) && in.set.ReleaseIdle > 0 && time.Since(fs.modTime) > in.set.ReleaseIdle {
				fs.extractor = nil // rebuilt from the prefix if the file grows (ReleaseIdle)
			}
			return
		case errors.Is(err, errOversized):
			cur.Lines++
			cur.BadLines++
			in.warnBadLine(fs, cur.Lines, err)
		case err != nil:
			finish(fmt.Errorf("read %s: %w", fs.info.Path, err))
			return
		default:
			cur.Lines++
			if lerr := fs.extractor.Line(line, collect); lerr != nil {
				cur.BadLines++
				in.warnBadLine(fs, cur.Lines, lerr)
			}
			chunkBytes += int64(len(line)) + 1
		}
		cur.Offset = lr.offset
		if len(c.facts) >= in.set.BatchFacts || chunkBytes >= in.set.BatchBytes {
			if !finish(nil) {
				return
			}
		}
	}
}

func (in *Ingestor) rebuild(f *os.File, fs *fileState, upTo int64) error {
	lr := newLineReader(io.LimitReader(f, upTo), 0, in.set.MaxLineSize)
	defer lr.release()
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
