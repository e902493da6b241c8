package transcript

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current output")

const testProjects = "testdata/projects"

// runFile feeds a whole file to one Extractor as one batch.
func runFile(t testing.TB, fi FileInfo, opts Options) (out []facts.Fact, bad []string) {
	t.Helper()
	data, err := os.ReadFile(fi.Path)
	if err != nil {
		t.Fatal(err)
	}
	e := NewExtractor(fi, opts)
	emit := func(f facts.Fact) { out = append(out, f) }
	for i, line := range splitLines(data) {
		if err := e.Line(line, emit); err != nil {
			bad = append(bad, err.Error())
			if !isBadLine(err) {
				t.Errorf("line %d: error %v does not wrap ErrBadLine", i+1, err)
			}
		}
	}
	e.EndBatch(emit)
	return out, bad
}

// splitLines returns the complete lines of data (the receiver only hands
// over newline-terminated lines).
func splitLines(data []byte) [][]byte {
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func testFiles(t testing.TB) []FileInfo {
	t.Helper()
	files, err := Discover([]string{testProjects})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no testdata transcripts")
	}
	return files
}

// goldenFact renders the non-zero fields of a fact, payload as JSON.
func goldenFact(f facts.Fact) map[string]any {
	m := map[string]any{}
	v := reflect.ValueOf(f)
	for i := 0; i < v.NumField(); i++ {
		fv := v.Field(i)
		if fv.IsZero() {
			continue
		}
		name := v.Type().Field(i).Name
		switch x := fv.Interface().(type) {
		case time.Time:
			m[name] = x.Format(time.RFC3339Nano)
		case *int64:
			m[name] = *x
		case string:
			if name == "Payload" && json.Valid([]byte(x)) {
				m[name] = json.RawMessage(x)
			} else {
				m[name] = x
			}
		default:
			m[name] = x
		}
	}
	return m
}

type goldenFile struct {
	File     map[string]any   `json:"file"`
	BadLines []string         `json:"badLines,omitempty"`
	Facts    []map[string]any `json:"facts"`
}

func TestGolden(t *testing.T) {
	for _, fi := range testFiles(t) {
		rel, _ := filepath.Rel(testProjects, fi.Path)
		t.Run(rel, func(t *testing.T) {
			fs, bad := runFile(t, fi, DefaultOptions())
			g := goldenFile{
				File: map[string]any{"kind": fi.Kind.String(), "projectDir": fi.ProjectDir,
					"sessionId": fi.SessionID, "agentId": fi.AgentID, "meta": fi.Meta},
				BadLines: bad,
			}
			for _, f := range fs {
				if f.Key == "" {
					t.Errorf("fact with empty key: %+v", f)
				}
				g.Facts = append(g.Facts, goldenFact(f))
			}
			got, err := json.MarshalIndent(g, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", strings.ReplaceAll(rel, string(filepath.Separator), "__")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("facts differ from %s (run with -update and review the diff):\n%s", path, firstDiff(string(want), string(got)))
			}
		})
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\n- %s\n+ %s", i+1, w, g)
		}
	}
	return ""
}
