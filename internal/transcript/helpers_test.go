package transcript

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func isBadLine(err error) bool { return errors.Is(err, ErrBadLine) }

// allTestFacts runs every testdata transcript, each with its own Extractor.
func allTestFacts(t *testing.T, opts Options) []facts.Fact {
	t.Helper()
	var all []facts.Fact
	for _, fi := range testFiles(t) {
		fs, _ := runFile(t, fi, opts)
		all = append(all, fs...)
	}
	return all
}

// byKey de-duplicates like the store: api_request by PreferUsage, sessions
// by min/max time, everything else last-wins.
func byKey(fs []facts.Fact) map[string]facts.Fact {
	m := map[string]facts.Fact{}
	for _, f := range fs {
		old, ok := m[f.Key]
		switch {
		case !ok:
		case f.Event == facts.EventAPIRequest:
			if !PreferUsage(f, old) {
				continue
			}
		case f.Event == facts.EventSession:
			if old.FirstTime.Before(f.FirstTime) {
				f.FirstTime = old.FirstTime
			}
			if old.LastTime.After(f.LastTime) {
				f.LastTime = old.LastTime
			}
			f.Time = f.FirstTime
			f.Payload = ""
		}
		m[f.Key] = f
	}
	return m
}

func keysOf(m map[string]facts.Fact, event string) []string {
	var out []string
	for k, f := range m {
		if f.Event == event {
			out = append(out, k)
		}
	}
	return out
}

func testPath(rel string) string { return filepath.Join(testProjects, filepath.FromSlash(rel)) }

func readFile(t testing.TB, path string) ([]byte, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, nil
}
