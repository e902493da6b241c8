package transcript

import (
	"bufio"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// corpusDir is shared/corpus/public next to the repository; go test runs in
// the package directory (internal/transcript), so it is three levels up.
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "public")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("corpus not found at %s (shared/corpus/public next to the repository); skipping corpus tests", dir)
	}
	return dir
}

// corpusFileInfo maps a flattened corpus name (<owner>__<repo>/<path with
// "/" -> "__">) back to its original layout and classifies it. The spotter
// fixtures live in test/fixtures/transcripts, which plays the projects/<slug>
// role there.
func corpusFileInfo(path string) FileInfo {
	virt := strings.ReplaceAll(filepath.Base(path), "__", "/")
	projects := "mock-global-claude-dir/projects"
	if strings.HasPrefix(virt, "test/fixtures/") {
		projects = "test/fixtures"
	}
	fi := Classify(projects, virt)
	fi.Path = path
	return fi
}

func corpusFiles(t testing.TB) []string {
	dir := corpusDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Skipf("no corpus transcripts in %s", dir)
	}
	sort.Strings(files)
	return files
}

// extractFile runs one Extractor over a whole file as a single batch.
func extractFile(t testing.TB, path string, opts Options) (out []facts.Fact, bad int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := NewExtractor(corpusFileInfo(path), opts)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	emit := func(f facts.Fact) { out = append(out, f) }
	n := 0
	for sc.Scan() {
		n++
		if err := e.Line(sc.Bytes(), emit); err != nil {
			t.Errorf("%s:%d: %v", filepath.Base(path), n, err)
			bad++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	e.EndBatch(emit)
	return out, bad
}

func TestCorpusNoBadLines(t *testing.T) {
	for _, p := range corpusFiles(t) {
		fs, bad := extractFile(t, p, DefaultOptions())
		if bad != 0 {
			t.Errorf("%s: %d bad lines", filepath.Base(p), bad)
		}
		for _, f := range fs {
			if f.Key == "" || f.Event == "" || f.SessionID == "" {
				t.Errorf("%s: incomplete fact %+v", filepath.Base(p), f)
			}
		}
	}
}

// TestCorpusDocumentedNumbers checks numbers measured independently in
// shared/reference/transcript-format.md §4.1.
func TestCorpusDocumentedNumbers(t *testing.T) {
	var path string
	for _, p := range corpusFiles(t) {
		if strings.Contains(p, "fe5e1c67") {
			path = p
		}
	}
	if path == "" {
		t.Skip("fe5e1c67 not in corpus")
	}
	fs, _ := extractFile(t, path, DefaultOptions())
	var lines int
	var outNoDedup int64
	for _, f := range fs {
		if f.Event == facts.EventAPIRequest {
			lines++
			outNoDedup += f.Usage.Output
		}
	}
	m := byKey(fs)
	var out int64
	ids := keysOf(m, facts.EventAPIRequest)
	for _, k := range ids {
		out += m[k].Usage.Output
	}
	// 262 assistant lines, 170 unique ids; output 77,612 without de-dup,
	// 51,933 keeping the max-total copy.
	if lines != 262 || len(ids) != 170 || outNoDedup != 77_612 || out != 51_933 {
		t.Errorf("fe5e1c67: lines=%d ids=%d output no-dedup=%d dedup=%d; want 262, 170, 77612, 51933",
			lines, len(ids), outNoDedup, out)
	}
	sidechains := 0
	for _, k := range keysOf(m, facts.EventSession) {
		if m[k].SessionType == facts.SessionSidechain {
			sidechains++
			if !strings.Contains(k, "/sidechain-toolu_") {
				t.Errorf("sidechain %s not matched to its Task", k)
			}
		}
	}
	if sidechains != 5 {
		t.Errorf("fe5e1c67: %d sidechains, want the 5 Task subagents", sidechains)
	}
}

// TestCorpusMatchesReference compares de-duplicated token totals and cost per
// file with a straightforward second implementation of ccusage's rules
// (generic JSON maps, float prices), so a decoding shortcut in the extractor
// cannot silently drop or double count usage.
func TestCorpusMatchesReference(t *testing.T) {
	for _, p := range corpusFiles(t) {
		fs, _ := extractFile(t, p, DefaultOptions())
		m := byKey(fs)
		var got refTotals
		for _, k := range keysOf(m, facts.EventAPIRequest) {
			f := m[k]
			got.add(f.Usage)
			got.cost += float64(f.CostNanos) / 1e9
		}
		want := referenceTotals(t, p)
		t.Logf("%s: %d responses, %+v, $%.4f", filepath.Base(p), got.n, got.tokens, got.cost)
		if got.tokens != want.tokens || got.n != want.n || math.Abs(got.cost-want.cost) > 1e-6*math.Max(1, want.cost) {
			t.Errorf("%s:\n got  %+v\n want %+v", filepath.Base(p), got, want)
		}
	}
}

type refTotals struct {
	n      int
	tokens facts.Usage
	cost   float64
}

func (r *refTotals) add(u facts.Usage) {
	r.n++
	r.tokens.Input += u.Input
	r.tokens.Output += u.Output
	r.tokens.CacheCreate5m += u.CacheCreate5m
	r.tokens.CacheCreate1h += u.CacheCreate1h
	r.tokens.CacheRead += u.CacheRead
}

var refNullRE = regexp.MustCompile(`"(id|cwd|model|speed|costUSD|version|sessionId|requestId|isApiErrorMessage|cache_read_input_tokens|cache_creation_input_tokens)":null`)

// refPrices: USD per million tokens (input, output, 5m write, cache read);
// 1h writes are 2x input.
var refPrices = map[string][4]float64{
	"claude-opus-4-6":            {5, 25, 6.25, 0.5},
	"claude-sonnet-4-5-20250929": {3, 15, 3.75, 0.3},
	"claude-haiku-4-5-20251001":  {1, 5, 1.25, 0.1},
	"claude-sonnet-4-20250514":   {3, 15, 3.75, 0.3},
}

func referenceTotals(t *testing.T, path string) refTotals {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		u    facts.Usage
		side bool
		cost float64
	}
	best := map[string]entry{}
	num := func(m map[string]any, k string) int64 {
		v, _ := m[k].(float64)
		return int64(v)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, `"usage":{`) || refNullRE.MatchString(line) {
			continue
		}
		var obj map[string]any
		if json.Unmarshal([]byte(line), &obj) != nil {
			continue
		}
		rec, side := obj, obj["isSidechain"] == true
		msg, _ := obj["message"].(map[string]any)
		if msg == nil || msg["usage"] == nil {
			data, _ := obj["data"].(map[string]any)
			inner, _ := data["message"].(map[string]any)
			if inner == nil {
				continue
			}
			rec, side = inner, inner["isSidechain"] == true
			msg, _ = inner["message"].(map[string]any)
			if msg == nil {
				continue
			}
		}
		usage, _ := msg["usage"].(map[string]any)
		id, _ := msg["id"].(string)
		model, _ := msg["model"].(string)
		if usage == nil || id == "" || model == "" || model == "<synthetic>" || rec["requestId"] == "" {
			continue
		}
		u := facts.Usage{Input: num(usage, "input_tokens"), Output: num(usage, "output_tokens"), CacheRead: num(usage, "cache_read_input_tokens")}
		if cc, ok := usage["cache_creation"].(map[string]any); ok {
			u.CacheCreate5m, u.CacheCreate1h = num(cc, "ephemeral_5m_input_tokens"), num(cc, "ephemeral_1h_input_tokens")
		} else {
			u.CacheCreate5m = num(usage, "cache_creation_input_tokens")
		}
		p, ok := refPrices[model]
		if !ok {
			t.Fatalf("reference has no price for %s", model)
		}
		cost := (float64(u.Input)*p[0] + float64(u.Output)*p[1] + float64(u.CacheCreate5m)*p[2] +
			float64(u.CacheCreate1h)*2*p[0] + float64(u.CacheRead)*p[3]) / 1e6
		e := entry{u, side, cost}
		old, seen := best[id]
		if !seen || (old.side && !e.side) || (old.side == e.side && e.u.Total() > old.u.Total()) {
			best[id] = e
		}
	}
	var r refTotals
	for _, e := range best {
		r.add(e.u)
		r.cost += e.cost
	}
	return r
}
