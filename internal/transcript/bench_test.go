package transcript

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

type benchFile struct {
	fi    FileInfo
	lines [][]byte
}

// benchInput is the public corpus (real 1.0.x and 2.1.x transcripts), or the
// golden testdata when the corpus is absent.
func benchInput(b *testing.B) ([]benchFile, int64) {
	var paths []string
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "public")
	paths, _ = filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	corpus := len(paths) > 0
	if !corpus {
		paths, _ = filepath.Glob(filepath.Join("testdata", "projects", "*", "*.jsonl"))
	}
	if len(paths) == 0 {
		b.Skip("no input")
	}
	var files []benchFile
	var size int64
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(data))
		fi := FileInfo{Path: p, SessionID: "s", Kind: Main}
		if corpus {
			fi = corpusFileInfo(p)
		}
		files = append(files, benchFile{fi: fi, lines: bytes.Split(data, []byte("\n"))})
	}
	return files, size
}

// synthDir is the synthetic history otelcol-ccdash's backfill benchmark
// generates (large tool outputs, 2.1.x layout); it is not in the
// repository.
var synthDir = filepath.Join("..", "..", ".cache", "bench", "history-seed1-500MB-60d", "projects")

// synthInput reads files of the synthetic history, in Discover order, until
// about maxBytes: enough for stable numbers, small enough for 2 cores.
func synthInput(b *testing.B, maxBytes int64) ([]benchFile, int64) {
	fis, _ := Discover([]string{synthDir})
	if len(fis) == 0 {
		b.Skipf("no synthetic history at %s (generate it with the backfill benchmark)", synthDir)
	}
	var files []benchFile
	var size int64
	for _, fi := range fis {
		if size >= maxBytes {
			break
		}
		data, err := os.ReadFile(fi.Path)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(data))
		files = append(files, benchFile{fi: fi, lines: splitLines(data)})
	}
	return files, size
}

// BenchmarkExtract runs the extractor over the public corpus.
func BenchmarkExtract(b *testing.B) {
	files, size := benchInput(b)
	benchExtract(b, files, size)
}

// BenchmarkExtractSynth runs the extractor over ~50 MB of the synthetic
// history, whose mix (57 % progress lines, large tool outputs) is what a
// backfill spends its time on.
func BenchmarkExtractSynth(b *testing.B) {
	files, size := synthInput(b, 50<<20)
	benchExtract(b, files, size)
}

func benchExtract(b *testing.B, files []benchFile, size int64) {
	opts := DefaultOptions()
	var n int
	emit := func(facts.Fact) { n++ }
	b.SetBytes(size)
	b.ReportAllocs()
	perLine := startAllocsPerLine(files)
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			e := NewExtractor(f.fi, opts)
			for _, l := range f.lines {
				_ = e.Line(l, emit)
			}
			e.EndBatch(emit)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "facts/op")
	perLine.report(b)
}

// allocsPerLine reports heap allocations per transcript line (the issue's
// parser figure next to MB/s), from the runtime's malloc count over the
// benchmark loop.
type allocsPerLine struct {
	lines   int
	mallocs uint64
}

func startAllocsPerLine(files []benchFile) allocsPerLine {
	var a allocsPerLine
	for _, f := range files {
		a.lines += len(f.lines)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	a.mallocs = ms.Mallocs
	return a
}

func (a allocsPerLine) report(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.Mallocs-a.mallocs)/float64(a.lines*b.N), "allocs/line")
}

// BenchmarkParseLine isolates JSON decoding.
func BenchmarkParseLine(b *testing.B) {
	files, size := benchInput(b)
	b.SetBytes(size)
	b.ReportAllocs()
	perLine := startAllocsPerLine(files)
	b.ResetTimer()
	for b.Loop() {
		for _, f := range files {
			for _, l := range f.lines {
				_, _ = ParseLine(l)
			}
		}
	}
	perLine.report(b)
}
