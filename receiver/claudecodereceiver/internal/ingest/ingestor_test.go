package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// recorder is an Emit that stores what it accepted and can refuse batches.
type recorder struct {
	mu      sync.Mutex
	batches [][]facts.Fact
	refuse  int // refuse this many calls first
}

func (r *recorder) emit(_ context.Context, b []facts.Fact) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.refuse > 0 {
		r.refuse--
		return errors.New("down")
	}
	r.batches = append(r.batches, append([]facts.Fact(nil), b...))
	return nil
}

// usageKeys returns the keys of accepted API-request facts, and the
// output tokens of the largest copy per key.
func (r *recorder) usage() map[string]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int64{}
	for _, b := range r.batches {
		for _, f := range b {
			if f.Event == facts.EventAPIRequest && f.Usage.Output > out[f.Key] {
				out[f.Key] = f.Usage.Output
			}
		}
	}
	return out
}

func (r *recorder) last() facts.IngestProgress {
	r.mu.Lock()
	defer r.mu.Unlock()
	var p facts.IngestProgress
	for _, b := range r.batches {
		for _, f := range b {
			if f.IngestInfo != nil {
				p = *f.IngestInfo
			}
		}
	}
	return p
}

func assistantLine(session, msgID string, out int) string {
	return fmt.Sprintf(`{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/w","sessionId":%q,"version":"2.1.39","gitBranch":"main","message":{"model":"claude-opus-4-6","id":%q,"type":"message","role":"assistant","content":[{"type":"text","text":"hi"}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":%d}},"requestId":"req_%s","type":"assistant","uuid":"u-%s-%d","timestamp":"2026-10-01T10:00:00.000Z"}`+"\n",
		session, msgID, out, msgID, msgID, out)
}

type tree struct {
	t   *testing.T
	dir string
}

func newTree(t *testing.T) *tree {
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "projects", "-w"), 0o755))
	return &tree{t: t, dir: dir}
}

func (tr *tree) path(session string) string {
	return filepath.Join(tr.dir, "projects", "-w", session+".jsonl")
}

func (tr *tree) appendTo(session, s string) {
	f, err := os.OpenFile(tr.path(session), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(tr.t, err)
	_, err = f.WriteString(s)
	require.NoError(tr.t, err)
	require.NoError(tr.t, f.Close())
}

func newIngestor(tr *tree, rec *recorder, p Persister) *Ingestor {
	return New(Settings{
		ConfigDirs: []string{tr.dir}, PollInterval: 10 * time.Millisecond,
		BatchFacts: 3, BatchBytes: 1 << 20, MaxLineSize: 1 << 20, Readers: 2,
		Reporter: "test", Persister: p, Emit: rec.emit,
	})
}

func TestPassReadsManyFilesInParallelAndCheckpoints(t *testing.T) {
	tr := newTree(t)
	for i := range 20 {
		s := fmt.Sprintf("s%02d", i)
		for m := range 5 {
			tr.appendTo(s, assistantLine(s, fmt.Sprintf("msg_%s_%d", s, m), 10*(m+1)))
		}
	}
	rec := &recorder{}
	p := NewMemPersister()
	in := newIngestor(tr, rec, p)
	caughtUp, err := in.pass(context.Background())
	require.NoError(t, err)
	assert.True(t, caughtUp)
	assert.Len(t, rec.usage(), 100)
	assert.EqualValues(t, 100, rec.last().LinesRead)
	assert.EqualValues(t, 20, rec.last().FilesCaughtUp)

	// A second ingestor with the same checkpoints reads nothing new.
	rec2 := &recorder{}
	in2 := newIngestor(tr, rec2, p)
	_, err = in2.pass(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rec2.usage())
}

func TestTailWaitsForWholeLines(t *testing.T) {
	tr := newTree(t)
	line := assistantLine("s", "msg_1", 441)
	tr.appendTo("s", assistantLine("s", "msg_0", 5)+line[:40]) // a half-written line
	rec := &recorder{}
	in := newIngestor(tr, rec, NewMemPersister())
	_, err := in.pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"req:msg_0": 5}, rec.usage())

	tr.appendTo("s", line[40:]) // the rest arrives
	_, err = in.pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"req:msg_0": 5, "req:msg_1": 441}, rec.usage())
	assert.Zero(t, rec.last().BadLines, "a line split across writes is not a bad line")
}

func TestRefusedBatchesAreRetriedBeforeCheckpointsMove(t *testing.T) {
	tr := newTree(t)
	for m := range 4 {
		tr.appendTo("s", assistantLine("s", fmt.Sprintf("msg_%d", m), 7))
	}
	rec := &recorder{refuse: 2}
	p := NewMemPersister()
	in := newIngestor(tr, rec, p)
	_, err := in.pass(context.Background())
	require.NoError(t, err)
	assert.Len(t, rec.usage(), 4, "nothing is lost while the pipeline refuses batches")
	raw, _ := p.Get(context.Background(), checkpointPrefix+tr.path("s"))
	assert.Contains(t, string(raw), `"lines":4`)
}

func TestShutdownDuringRefusalKeepsCheckpointBehind(t *testing.T) {
	tr := newTree(t)
	tr.appendTo("s", assistantLine("s", "msg_0", 7))
	rec := &recorder{refuse: 1 << 30}
	p := NewMemPersister()
	in := newIngestor(tr, rec, p)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _ = in.pass(ctx)
	raw, _ := p.Get(context.Background(), checkpointPrefix+tr.path("s"))
	assert.Nil(t, raw, "no checkpoint for data the pipeline never accepted")
}

func TestReplacedFileIsReadAgain(t *testing.T) {
	tr := newTree(t)
	tr.appendTo("s", assistantLine("s", "msg_old", 1)+assistantLine("s", "msg_old2", 1))
	rec := &recorder{}
	in := newIngestor(tr, rec, NewMemPersister())
	_, err := in.pass(context.Background())
	require.NoError(t, err)

	require.NoError(t, os.Remove(tr.path("s")))
	tr.appendTo("s", assistantLine("s", "msg_new", 2)+assistantLine("s", "msg_new2", 2)+assistantLine("s", "msg_new3", 2))
	_, err = in.pass(context.Background())
	require.NoError(t, err)
	assert.Contains(t, rec.usage(), "req:msg_new")
	assert.Contains(t, rec.usage(), "req:msg_new3")
}

func TestBadAndOversizedLinesAreCountedNotFatal(t *testing.T) {
	tr := newTree(t)
	tr.appendTo("s", "not json\n"+assistantLine("s", "msg_0", 3)+`{"type":"assistant","message":`+"\n"+assistantLine("s", "msg_1", 4))
	rec := &recorder{}
	in := newIngestor(tr, rec, NewMemPersister())
	in.set.MaxLineSize = 1024
	tr.appendTo("s", `{"pad":"`+string(make([]byte, 2048))+`"}`+"\n")
	_, err := in.pass(context.Background())
	require.NoError(t, err)
	assert.Equal(t, map[string]int64{"req:msg_0": 3, "req:msg_1": 4}, rec.usage())
	assert.EqualValues(t, 3, rec.last().BadLines)
	assert.EqualValues(t, 5, rec.last().LinesRead)
}

// TestIdleFileStateIsReleasedAndRebuilt reads a file whose last change is
// older than ReleaseIdle: its parse state goes once it is read to the end.
// When the session is resumed, a tool_result for a tool_use of the already
// read prefix is still paired with it (name and duration), because the
// state is rebuilt from the prefix.
func TestIdleFileStateIsReleasedAndRebuilt(t *testing.T) {
	tr := newTree(t)
	tr.appendTo("s", `{"type":"assistant","sessionId":"s","uuid":"u1","timestamp":"2026-10-01T10:00:00Z","message":{"id":"m1","role":"assistant","model":"claude-opus-4-6","content":[{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"go test ./..."}}],"usage":{"input_tokens":3,"output_tokens":5}}}`+"\n")
	old := time.Now().Add(-2 * time.Hour)
	require.NoError(t, os.Chtimes(tr.path("s"), old, old))

	rec := &recorder{}
	in := newIngestor(tr, rec, NewMemPersister())
	in.set.ReleaseIdle = time.Hour
	_, err := in.pass(context.Background())
	require.NoError(t, err)
	fs := in.files[tr.path("s")]
	require.NotNil(t, fs)
	assert.Nil(t, fs.extractor, "parse state of an idle file read to its end is released")

	tr.appendTo("s", `{"type":"user","sessionId":"s","uuid":"u2","timestamp":"2026-10-01T10:00:07Z","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}}`+"\n")
	_, err = in.pass(context.Background())
	require.NoError(t, err)
	var result *facts.Fact
	for _, b := range rec.batches {
		for i := range b {
			if b[i].Event == facts.EventToolResult {
				result = &b[i]
			}
		}
	}
	require.NotNil(t, result, "the resumed session's tool_result is read")
	assert.Equal(t, "Bash", result.ToolName, "paired with the tool_use of the released prefix")
	assert.EqualValues(t, 7000, result.DurationMs)
	assert.NotNil(t, fs.extractor, "a file written just now keeps its state")
}
