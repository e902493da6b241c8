// Command benchapi measures the analytics API over HTTP on a large SQLite
// store (make bench-api), or a PostgreSQL one (-driver postgres -dsn ...). It fills the store with a deterministic synthetic
// history of at least -events facts through store.Write (reusing a store
// that already holds enough), serves internal/api on a loopback port and
// prints p50/p95 latencies of the dashboard's typical requests
// (apibench.Targets), each timed -n times after a warm-up.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/api"
	"github.com/ccdash/otelcol-ccdash/internal/api/apibench"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

func main() {
	db := flag.String("db", "data/bench-api.db", "SQLite database (created, or reused when it holds enough events)")
	driver := flag.String("driver", store.DriverSQLite, "store driver: sqlite (-db) or postgres (-dsn)")
	dsn := flag.String("dsn", "", "PostgreSQL DSN (with -driver postgres); the database is filled like -db")
	events := flag.Int("events", 1_000_000, "facts to generate")
	n := flag.Int("n", 50, "timed requests per target")
	target := flag.Duration("p95", 50*time.Millisecond, "p95 goal reported against")
	flag.Parse()
	cfg := store.Config{Driver: *driver, DSN: *db}
	if *driver != store.DriverSQLite {
		cfg.DSN = *dsn
	}
	if err := run(cfg, *events, *n, *target); err != nil {
		fmt.Fprintln(os.Stderr, "benchapi:", err)
		os.Exit(1)
	}
}

func run(cfg store.Config, events, n int, goal time.Duration) error {
	ctx := context.Background()
	db := cfg.Driver + " store"
	if cfg.Driver == store.DriverSQLite {
		db = cfg.DSN
	}
	s, err := store.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if st.EventsStored < int64(events)*9/10 {
		fmt.Printf("writing %d synthetic facts to %s ...\n", events, db)
		start := time.Now()
		written, err := apibench.Generate(events, 5000, func(fs []facts.Fact) error { return s.Write(ctx, fs) })
		if err != nil {
			return err
		}
		fmt.Printf("wrote %d facts in %s\n", written, time.Since(start).Round(time.Second))
		if st, err = s.Status(ctx); err != nil {
			return err
		}
	}
	fmt.Printf("store: %s, %d telemetry_events rows\n", db, st.EventsStored)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: api.NewHandler(s), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	client := &http.Client{Timeout: time.Minute}

	fmt.Printf("%-10s %-10s %-6s %s\n", "p50", "p95", "ok", "request")
	over := 0
	for _, t := range apibench.Targets() {
		r, err := apibench.Measure(client, base, t, n)
		if err != nil {
			return err
		}
		if r.Status != http.StatusOK {
			return errors.New(t + ": HTTP " + fmt.Sprint(r.Status))
		}
		mark := "yes"
		if r.P95 > goal {
			mark, over = "OVER", over+1
		}
		fmt.Printf("%-10s %-10s %-6s %s\n", ms(r.P50), ms(r.P95), mark, t)
	}
	fmt.Printf("%d of %d requests over the p95 goal of %s\n", over, len(apibench.Targets()), goal)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
