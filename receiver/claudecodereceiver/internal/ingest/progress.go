package ingest

import (
	"context"
	"runtime/debug"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// progressFact travels with every batch, so the store's view of ingestion
// progress is committed together with the data it describes. next holds the
// checkpoints the batch will reach once accepted.
func (in *Ingestor) progressFact(next map[*fileState]checkpoint, lines, bad int64) facts.Fact {
	p := in.snapshot(next)
	p.LinesRead += lines
	p.BadLines += bad
	return in.progressOf(p)
}

// progressOf wraps p in a progress fact. The store keeps the report with
// the latest time (at millisecond precision), and with batches in flight
// ahead of the write (EmitAhead) two reports can reach it out of order, so
// each report's time is strictly after the previous one's: a report made in
// the same millisecond as an older one must still win. Only the Run
// goroutine calls it.
func (in *Ingestor) progressOf(p facts.IngestProgress) facts.Fact {
	t := time.Now().UTC().Truncate(time.Millisecond)
	if !t.After(in.lastReport) {
		t = in.lastReport.Add(time.Millisecond)
	}
	in.lastReport = t
	return facts.Fact{
		Key:        "ingest:" + in.set.Reporter,
		Event:      facts.EventIngestProgress,
		Time:       t,
		IngestInfo: &p,
	}
}

// snapshot computes progress as if the files in next were at those
// checkpoints. Only the Run goroutine calls it.
func (in *Ingestor) snapshot(next map[*fileState]checkpoint) facts.IngestProgress {
	in.mu.Lock()
	p := in.progress
	in.mu.Unlock()
	var caughtUp int64
	var oldestBehind time.Time
	for _, f := range in.files {
		off := f.cp.Offset
		if cp, ok := next[f]; ok {
			off = cp.Offset
		}
		if f.loaded && off >= f.size {
			caughtUp++
		} else if oldestBehind.IsZero() || f.modTime.Before(oldestBehind) {
			oldestBehind = f.modTime
		}
	}
	p.Reporter = in.set.Reporter
	p.FilesTotal = int64(len(in.files))
	p.FilesCaughtUp = caughtUp
	p.LagSeconds = 0
	if !oldestBehind.IsZero() {
		p.LagSeconds = time.Since(oldestBehind).Seconds()
	}
	return p
}

func (in *Ingestor) addProgress(lines, bad, bytes int64) {
	in.set.Observer.LinesRead(lines)
	in.set.Observer.BytesRead(bytes)
	in.mu.Lock()
	in.progress.LinesRead += lines
	in.progress.BadLines += bad
	in.progress.BytesRead += bytes
	in.mu.Unlock()
	in.backfillBytes += bytes
}

func (in *Ingestor) updateProgress() {
	p := in.snapshot(nil)
	in.mu.Lock()
	in.progress = p
	in.mu.Unlock()
}

func (in *Ingestor) allCaughtUp() bool {
	for _, f := range in.files {
		if !f.loaded || f.cp.Offset < f.size {
			return false
		}
	}
	return true
}

// finishBackfill marks the backfill complete, persists that through the
// pipeline, and logs a summary.
func (in *Ingestor) finishBackfill(ctx context.Context) {
	p := in.snapshot(nil)
	p.BackfillComplete = true
	if err := in.emitAccepted(ctx, []facts.Fact{in.progressOf(p)}); err != nil {
		return
	}
	in.mu.Lock()
	in.progress.BackfillComplete = true
	in.mu.Unlock()
	elapsed := time.Since(in.backfillStart)
	in.set.Logger.Info("Backfill complete; tailing transcripts for new lines",
		zap.Int64("files", p.FilesTotal), zap.Int64("lines", p.LinesRead), zap.Int64("bad_lines", p.BadLines),
		zap.Float64("mb_read", float64(in.backfillBytes)/1e6), zap.Duration("elapsed", elapsed.Round(time.Millisecond)),
		zap.Float64("mb_per_s", mbPerSec(in.backfillBytes, elapsed)))
	// The backfill's batches are garbage now; the Go runtime would hand
	// their pages back to the OS only over minutes. A tailing collector
	// needs a fraction of that memory, so give it back at once.
	debug.FreeOSMemory()
}

// maybeLogProgress logs backfill progress every few seconds so a user
// watching the console sees it move.
func (in *Ingestor) maybeLogProgress() {
	in.mu.Lock()
	done := in.progress.BackfillComplete
	in.mu.Unlock()
	if done || time.Since(in.lastLog) < 5*time.Second {
		return
	}
	in.lastLog = time.Now()
	p := in.snapshot(nil)
	elapsed := time.Since(in.backfillStart)
	in.set.Logger.Info("Backfill progress",
		zap.String("files", strconv.FormatInt(p.FilesCaughtUp, 10)+"/"+strconv.FormatInt(p.FilesTotal, 10)),
		zap.Int64("lines", p.LinesRead), zap.Int64("bad_lines", p.BadLines),
		zap.Float64("mb_read", float64(in.backfillBytes)/1e6),
		zap.Float64("mb_per_s", mbPerSec(in.backfillBytes, elapsed)))
	// The backfill's batches are garbage now; the Go runtime would hand
	// their pages back to the OS only over minutes. A tailing collector
	// needs a fraction of that memory, so give it back at once.
	debug.FreeOSMemory()
}

func mbPerSec(bytes int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(bytes) / 1e6 / d.Seconds()
}
