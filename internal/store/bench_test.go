package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// benchFacts builds n facts shaped like a backfill: per session, API
// requests (about half of them also seen as a second, partial copy), tool
// calls with start and end, and a session fact.
func benchFacts(offset, n int) []facts.Fact {
	out := make([]facts.Fact, 0, n)
	models := []string{"claude-opus-4-6", "claude-sonnet-4-5", "claude-haiku-4-5"}
	for i := offset; len(out) < n; i++ {
		session := fmt.Sprintf("sess-%04d", i/200)
		ts := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 7 * time.Second)
		payload := `{"cwd":"/home/u/project","content":"` + fmt.Sprintf("line %d of the transcript", i) + `"}`
		switch i % 4 {
		case 0, 1:
			u := facts.Usage{Input: int64(i % 97), Output: int64(i % 1013), CacheCreate5m: 120, CacheRead: int64(i % 50000)}
			f := apiFact(fmt.Sprintf("msg_%08d", i), session, models[i%3], ts, u, int64(i)*1000)
			f.Payload = payload
			if i%8 == 0 {
				partial := f
				partial.Usage.Output = 10
				out = append(out, partial)
			}
			out = append(out, f)
		case 2:
			f := toolUse(fmt.Sprintf("toolu_%08d", i), session, "Bash", ts)
			f.Payload = payload
			out = append(out, f)
		case 3:
			f := toolResult(fmt.Sprintf("toolu_%08d", i-1), session, ts, i%12 == 3, 0)
			f.Payload = payload
			out = append(out, f)
		}
	}
	return out[:n]
}

// BenchmarkWrite measures first-time ingestion in batches of 10k facts. The
// rows/s metric counts input facts per second (each fact becomes one
// telemetry_events row, tool facts a tool_calls row as well).
func BenchmarkWrite(b *testing.B) {
	for _, driver := range storetest.Drivers {
		b.Run(driver, func(b *testing.B) {
			s := openStore(b, driver)
			const batch = 10_000
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				fs := benchFacts(i*batch, batch)
				b.StartTimer()
				if err := s.Write(ctx, fs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkRewrite measures re-ingesting facts that are already stored (a
// replay after a restart), which must be cheap as well as harmless.
func BenchmarkRewrite(b *testing.B) {
	for _, driver := range storetest.Drivers {
		b.Run(driver, func(b *testing.B) {
			s := openStore(b, driver)
			const batch = 10_000
			ctx := context.Background()
			fs := benchFacts(0, batch)
			if err := s.Write(ctx, fs); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.Write(ctx, fs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkWriteConcurrent writes from several goroutines, as the exporter's
// queue consumers do: fact preparation overlaps while the database applies
// one batch at a time.
func BenchmarkWriteConcurrent(b *testing.B) {
	for _, driver := range storetest.Drivers {
		b.Run(driver, func(b *testing.B) {
			s := openStore(b, driver)
			const batch = 10_000
			ctx := context.Background()
			batches := make([][]facts.Fact, b.N)
			for i := range batches {
				batches[i] = benchFacts(i*batch, batch)
			}
			var next atomic.Int64
			b.SetParallelism(2)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Write(ctx, batches[next.Add(1)-1]); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
