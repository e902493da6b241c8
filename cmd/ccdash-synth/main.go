// Command ccdash-synth writes a synthetic Claude Code history for benchmarks
// and differential tests:
//
//	ccdash-synth -out DIR -size 500MB -seed 1 -days 60
//
// DIR becomes a Claude config dir: point CLAUDE_CONFIG_DIR (ccusage or
// otelcol-ccdash) at it. The output depends only on -seed, -size, -days and
// -end.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/synth"
)

func main() {
	out := flag.String("out", "", "output folder (becomes a Claude config dir with projects/ inside; must not contain projects/ yet)")
	size := flag.String("size", "100MB", "approximate total size to write (e.g. 500MB, 2GiB; binary units)")
	seed := flag.Uint64("seed", 1, "random seed")
	days := flag.Int("days", 60, "spread sessions over this many days before -end")
	end := flag.String("end", synth.DefaultEnd.Format("2006-01-02"), "end of the time window (UTC date, exclusive)")
	workers := flag.Int("workers", 0, "parallel writers (0: one per CPU); the output does not depend on it")
	quiet := flag.Bool("q", false, "do not print a summary")
	flag.Parse()

	if err := run(*out, *size, *seed, *days, *end, *workers, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "ccdash-synth:", err)
		os.Exit(1)
	}
}

func run(out, size string, seed uint64, days int, end string, workers int, quiet bool) error {
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	n, err := synth.ParseSize(size)
	if err != nil {
		return err
	}
	endT, err := time.Parse("2006-01-02", end)
	if err != nil {
		return fmt.Errorf("-end: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	st, err := synth.Generate(ctx, synth.Config{OutDir: out, Size: n, Seed: seed, Days: days, End: endT, Workers: workers})
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Print(st.Summary())
	}
	return nil
}
