package synth

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is shared/corpus/public next to the repository.
func corpusDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "corpus", "public", "marot__spotter"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("skipping: real transcript corpus not found at %s", dir)
	}
	return dir
}

// topKeys returns the top-level keys of a JSON object in file order.
func topKeys(b []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil
		}
	}
	return keys
}

// shapeKind names the line variants whose key order is compared.
func shapeKind(b []byte) string {
	var l struct {
		Type        string `json:"type"`
		Subtype     string `json:"subtype"`
		IsSidechain bool   `json:"isSidechain"`
		Data        struct {
			Type string `json:"type"`
		} `json:"data"`
		Message struct {
			Content json.RawMessage `json:"content"`
			Usage   struct {
				Iterations json.RawMessage `json:"iterations"`
			} `json:"usage"`
		} `json:"message"`
		ToolUseResult json.RawMessage `json:"toolUseResult"`
		Thinking      json.RawMessage `json:"thinkingMetadata"`
	}
	if json.Unmarshal(b, &l) != nil {
		return ""
	}
	k := l.Type + "/" + l.Subtype + l.Data.Type
	switch l.Type {
	case "assistant":
		k += map[bool]string{true: "/final", false: "/partial"}[l.Message.Usage.Iterations != nil]
	case "user":
		switch {
		case l.ToolUseResult != nil:
			k += "/tool_result+toolUseResult"
		case l.Thinking != nil:
			k += "/prompt"
		case bytes.Contains(l.Message.Content, []byte(`"tool_result"`)):
			k += "/tool_result"
		default:
			return "" // many variants; not compared
		}
	}
	if l.IsSidechain {
		k += "/sidechain"
	}
	return k
}

func collectShapes(t *testing.T, root string) map[string]map[string]bool {
	t.Helper()
	shapes := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".jsonl") {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			k := shapeKind(sc.Bytes())
			if k == "" {
				continue
			}
			if shapes[k] == nil {
				shapes[k] = map[string]bool{}
			}
			shapes[k][strings.Join(topKeys(sc.Bytes()), ",")] = true
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return shapes
}

// TestLineShapesMatchCorpus checks that every generated line variant that
// also occurs in the real 2.1.3x transcripts of the corpus has one of the
// real top-level key orders.
func TestLineShapesMatchCorpus(t *testing.T) {
	real := collectShapes(t, corpusDir(t))
	dir, _ := generate(t, 2<<20, 5, 2)
	synth := collectShapes(t, dir)
	compared := 0
	for kind, orders := range synth {
		want, ok := real[kind]
		if !ok {
			continue
		}
		compared++
		for order := range orders {
			if !want[order] {
				t.Errorf("%s: generated key order\n  %s\nis not one of the corpus orders\n  %v", kind, order, want)
			}
		}
	}
	t.Logf("compared %d line kinds with the corpus", compared)
	if compared < 8 {
		t.Fatalf("only %d line kinds in common with the corpus; shapes drifted?", compared)
	}
}
