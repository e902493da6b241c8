package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// parseFloor times the parser alone over a Claude config dir: every
// transcript read and turned into facts on GOMAXPROCS goroutines, the facts
// counted and dropped. It is the other floor under a backfill (the SQLite
// floor is the write side) and prints "wall_s cpu_s facts", cpu_s being
// the process's user + system time.
func parseFloor(args []string) error {
	fs := flag.NewFlagSet("parse", flag.ExitOnError)
	dir := fs.String("dir", "", "Claude config dir (projects/ inside)")
	_ = fs.Parse(args)
	if *dir == "" {
		return errors.New("parse needs -dir")
	}
	files, err := transcript.Discover([]string{filepath.Join(*dir, "projects")})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no transcripts under %s", *dir)
	}
	start := time.Now()
	var n atomic.Int64
	var firstErr error
	var errOnce sync.Once
	jobs := make(chan transcript.FileInfo)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			opts := transcript.DefaultOptions()
			buf := make([]byte, 1<<20) // one line buffer per goroutine, as the receiver's readers keep
			for fi := range jobs {
				count, err := parseFile(fi, opts, buf)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
				}
				n.Add(count)
			}
		})
	}
	for _, fi := range files {
		jobs <- fi
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	wall := time.Since(start).Seconds()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	fmt.Printf("%.2f %.2f %d\n", wall, cpu, n.Load())
	return nil
}

// parseFile runs one file through an extractor as the receiver does (one
// batch per file) and returns the number of facts.
func parseFile(fi transcript.FileInfo, opts transcript.Options, buf []byte) (int64, error) {
	f, err := os.Open(fi.Path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	emit := func(facts.Fact) { n++ }
	e := transcript.NewExtractor(fi, opts)
	sc := bufio.NewScanner(f)
	sc.Buffer(buf, 64<<20)
	for sc.Scan() {
		_ = e.Line(sc.Bytes(), emit) // bad lines are the receiver's business, not the floor's
	}
	e.EndBatch(emit)
	return n, sc.Err()
}
