package traces

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
)

// fixtureProjects is the receiver's traces fixture: one session that runs
// two subagents in parallel, a compaction and an API error.
const fixtureProjects = "../../receiver/claudecodereceiver/testdata/traces/projects"

const (
	fixtureSession = "44444444-4444-4444-8444-444444444444"
	agentA         = fixtureSession + "/agent-a1111aa"
	agentB         = fixtureSession + "/agent-b2222bb"
	agentCompact   = fixtureSession + "/agent-acompact-9a9a9a"
)

// fileFacts extracts each fixture file with its own Extractor, as the
// receiver does, and returns one fact slice per file in Discover order.
func fileFacts(t *testing.T) [][]facts.Fact {
	t.Helper()
	dir, err := filepath.Abs(fixtureProjects)
	require.NoError(t, err)
	infos, err := transcript.Discover([]string{dir})
	require.NoError(t, err)
	require.Len(t, infos, 4)
	var out [][]facts.Fact
	for _, fi := range infos {
		data, err := os.ReadFile(fi.Path)
		require.NoError(t, err)
		e := transcript.NewExtractor(fi, transcript.DefaultOptions())
		var fs []facts.Fact
		emit := func(f facts.Fact) { fs = append(fs, f) }
		for _, l := range bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n")) {
			require.NoError(t, e.Line(l, emit))
		}
		e.EndBatch(emit)
		out = append(out, fs)
	}
	return out
}

func concat(parts ...[]facts.Fact) []facts.Fact {
	var out []facts.Fact
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func byName(spans []Span, name string) []Span {
	var out []Span
	for _, s := range spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func find(t *testing.T, spans []Span, id SpanID) Span {
	t.Helper()
	for _, s := range spans {
		if s.SpanID == id {
			return s
		}
	}
	t.Fatalf("span %s not found", id)
	return Span{}
}

// shape is what must not depend on batching or file order: identity and
// nesting.
type shape struct {
	Trace  TraceID
	Parent SpanID
	Name   string
}

func shapes(spans []Span) map[SpanID]shape {
	m := map[SpanID]shape{}
	for _, s := range spans {
		m[s.SpanID] = shape{s.TraceID, s.ParentSpanID, s.Name}
	}
	return m
}
