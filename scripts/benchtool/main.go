// Command benchtool holds the small helpers of scripts/bench-backfill.sh
// that are awkward in bash:
//
//	benchtool ccusage-bin                      print the ccusage binary (installing it)
//	benchtool free-port [-n N]                 print N distinct free TCP ports on 127.0.0.1
//	benchtool wait-backfill -url U [-pid P] [-min-files 1]
//	                                           poll U/api/analytics/status until the backfill is complete
//	benchtool series -url U [-n 200]           time N GETs of a /series URL: "p50_ms p95_ms total"
//	benchtool corpus-tree -src S -out D [-copies N]
//	                                           write N id-rewritten copies of the public corpus as a Claude config dir
//	benchtool parse -dir D                     time the parser alone over D's transcripts: "wall_s cpu_s facts"
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/ccusage"
	"github.com/ccdash/otelcol-ccdash/internal/corpus"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool ccusage-bin | free-port | wait-backfill | series | corpus-tree | parse [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "ccusage-bin":
		err = ccusageBin()
	case "free-port":
		err = freePort(args)
	case "wait-backfill":
		err = waitBackfill(args)
	case "series":
		err = series(args)
	case "corpus-tree":
		err = corpusTree(args)
	case "parse":
		err = parseFloor(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func ccusageBin() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := ccusage.Ensure(ctx, "")
	if err != nil {
		return err
	}
	fmt.Println(bin)
	return nil
}

// freePort keeps every listener open until all ports are chosen, so the N
// ports are distinct.
func freePort(args []string) error {
	fs := flag.NewFlagSet("free-port", flag.ExitOnError)
	n := fs.Int("n", 1, "number of ports")
	_ = fs.Parse(args)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range *n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

var client = &http.Client{Timeout: 10 * time.Second}

func getJSON(url string, v any) error {
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return json.Unmarshal(body, v)
}

// waitBackfill polls the status endpoint every 100 ms. "Complete" means the
// collector says so and has caught up with every file it found (at least
// one), so an early true before discovery does not count. It prints the final
// status as JSON.
func waitBackfill(args []string) error {
	fs := flag.NewFlagSet("wait-backfill", flag.ExitOnError)
	base := fs.String("url", "", "API base URL, e.g. http://127.0.0.1:8899")
	pid := fs.Int("pid", 0, "collector pid: fail fast when it exits")
	timeout := fs.Duration("timeout", 15*time.Minute, "give up after this long")
	minFiles := fs.Int64("min-files", 1, "files the status must count (0: an empty history)")
	_ = fs.Parse(args)
	deadline := time.Now().Add(*timeout)
	lastReport := time.Now()
	var st store.Status
	var lastErr error
	for {
		if *pid > 0 && syscall.Kill(*pid, 0) != nil {
			return fmt.Errorf("collector (pid %d) exited before the backfill completed", *pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("backfill not complete after %s (last status %+v, last error %v)", *timeout, st, lastErr)
		}
		lastErr = getJSON(*base+"/api/analytics/status", &st)
		if lastErr == nil && st.BackfillComplete && st.FilesTotal >= *minFiles && st.FilesCaughtUp >= st.FilesTotal {
			b, _ := json.Marshal(st)
			fmt.Println(string(b))
			return nil
		}
		if time.Since(lastReport) > 5*time.Second {
			lastReport = time.Now()
			if lastErr != nil {
				fmt.Fprintf(os.Stderr, "    waiting: %v\n", lastErr)
			} else {
				fmt.Fprintf(os.Stderr, "    files %d/%d, lines %d, events %d\n", st.FilesCaughtUp, st.FilesTotal, st.LinesRead, st.EventsStored)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type seriesAnswer struct {
	Series []struct {
		Points []struct {
			Value float64 `json:"value"`
		} `json:"points"`
	} `json:"series"`
}

// series times n sequential GETs (one warm-up first) and prints p50 and p95
// in milliseconds and the sum of every point of the last answer.
func series(args []string) error {
	fs := flag.NewFlagSet("series", flag.ExitOnError)
	url := fs.String("url", "", "full /series URL")
	n := fs.Int("n", 200, "requests")
	_ = fs.Parse(args)
	var ans seriesAnswer
	if err := getJSON(*url, &ans); err != nil {
		return err
	}
	if len(ans.Series) == 0 {
		return errors.New("the series answer is empty")
	}
	lat := make([]time.Duration, 0, *n)
	for range *n {
		t0 := time.Now()
		if err := getJSON(*url, &ans); err != nil {
			return err
		}
		lat = append(lat, time.Since(t0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	total := 0.0
	for _, s := range ans.Series {
		for _, p := range s.Points {
			total += p.Value
		}
	}
	fmt.Println(ms(percentile(lat, 50)), ms(percentile(lat, 95)), strconv.FormatFloat(total, 'f', -1, 64))
	return nil
}

// percentile uses the nearest-rank method on sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, min(len(sorted)-1, i-1))]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64)
}

// corpusTree writes a real-shaped benchmark history: copies of the shared
// public corpus with fresh ids, each copy 7 hours before the one before.
// Backwards, because forwards 1,000 copies reach past today: files with
// future mtimes never look idle, so the collector kept every file's parse
// state, which no real history makes it do.
func corpusTree(args []string) error {
	fs := flag.NewFlagSet("corpus-tree", flag.ExitOnError)
	src := fs.String("src", "", "the corpus's public/ folder")
	out := fs.String("out", "", "output Claude config dir (projects/ is written inside)")
	copies := fs.Int("copies", 250, "number of copies (250 copies of the 2 MB corpus: ~490 MB)")
	_ = fs.Parse(args)
	if *src == "" || *out == "" || *copies < 1 {
		return errors.New("corpus-tree needs -src, -out and -copies >= 1")
	}
	st, err := corpus.Replicate(*src, *out, *copies, -7*time.Hour)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "corpus-tree: %d files, %.1f MB in %s\n", st.Files, float64(st.Bytes)/1e6, *out)
	return nil
}
