package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// corpusDir is shared/corpus/public next to the repository (go test runs in
// internal/traces).
func corpusDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "public")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		t.Skipf("corpus not found at %s (shared/corpus/public next to the repository); skipping", dir)
	}
	return dir
}

// corpusFacts extracts every corpus transcript, mapping the flattened names
// (<owner>__<repo>/<path with "/" -> "__">) back to their layout as
// internal/transcript's corpus tests do, one batch per file.
func corpusFacts(t testing.TB) [][]facts.Fact {
	files, err := filepath.Glob(filepath.Join(corpusDir(t), "*", "*.jsonl"))
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skip("no corpus transcripts")
	}
	sort.Strings(files)
	var out [][]facts.Fact
	for _, path := range files {
		virt := strings.ReplaceAll(filepath.Base(path), "__", "/")
		projects := "mock-global-claude-dir/projects"
		if strings.HasPrefix(virt, "test/fixtures/") {
			projects = "test/fixtures"
		}
		fi := transcript.Classify(projects, virt)
		fi.Path = path
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		e := transcript.NewExtractor(fi, transcript.DefaultOptions())
		var fs []facts.Fact
		emit := func(f facts.Fact) { fs = append(fs, f) }
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(l) > 0 {
				_ = e.Line(l, emit) // bad lines are the extractor's business
			}
		}
		e.EndBatch(emit)
		out = append(out, fs)
	}
	return out
}

// TestCorpusInvariants: on real transcripts every span is emitted once,
// ends after it starts, and hangs below a span that exists, except a
// subagent's below the agent span of a subagent whose spawning call is
// not in the corpus (spotter keeps subagent files without their parent
// transcripts).
func TestCorpusInvariants(t *testing.T) {
	b := NewBuilder()
	var spans []Span
	for _, batch := range corpusFacts(t) {
		spans = append(spans, b.Add(batch)...)
	}
	require.NotEmpty(t, spans)
	ids := map[SpanID]Span{}
	for _, s := range spans {
		_, dup := ids[s.SpanID]
		require.False(t, dup, "%s %s emitted twice", s.Name, s.SpanID)
		ids[s.SpanID] = s
		assert.False(t, s.End.Before(s.Start), "%s %s ends before it starts", s.Name, s.SpanID)
	}
	byName := map[string]int{}
	dangling := map[string]int{}
	for _, s := range spans {
		byName[s.Name]++
		if s.ParentSpanID.IsEmpty() {
			continue
		}
		if _, ok := ids[s.ParentSpanID]; ok {
			continue
		}
		sid, _ := s.Attr(AttrSessionID).(string)
		if s.ParentSpanID == AgentSpanID(sid) || s.Name == SpanInteraction {
			dangling[s.Name]++
			continue
		}
		t.Errorf("%s %s (session %s) hangs below a span that was never emitted", s.Name, s.SpanID, sid)
	}
	t.Logf("spans by name: %v; below a subagent or tool span not in the corpus: %v", byName, dangling)
}
