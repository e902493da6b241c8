package traces

import "testing"

// BenchmarkAdd measures span building over the corpus: the receiver runs it
// on the ingest goroutine, after parsing.
func BenchmarkAdd(b *testing.B) {
	batches := corpusFacts(b)
	n := 0
	for _, fs := range batches {
		n += len(fs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bl := NewBuilder()
		for _, fs := range batches {
			bl.Add(fs)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "facts/s")
}
