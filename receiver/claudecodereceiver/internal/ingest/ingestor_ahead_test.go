package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// overtaker is an Emit that lets the second batch of the read overtake
// the first: the first waits until the second was accepted. Batches are
// told apart by their progress facts (a batch counts the lines of every
// batch before it), since the ingestor may call Emit for them in either
// order.
type overtaker struct {
	rec      recorder
	mu       sync.Mutex
	seen     []int64
	two      chan struct{} // closed when the first two batches arrived
	overtook chan struct{} // closed when the second batch was accepted
	once     sync.Once
	// refuse, when set, is called instead of accepting the first batch
	// (after the second was accepted); the test cancels the read with it.
	refuse func() error
}

func newOvertaker() *overtaker {
	return &overtaker{two: make(chan struct{}), overtook: make(chan struct{})}
}

func (o *overtaker) emit(ctx context.Context, b []facts.Fact) error {
	n := progressLines(b)
	o.mu.Lock()
	idx := len(o.seen)
	o.seen = append(o.seen, n)
	if len(o.seen) == 2 {
		close(o.two)
	}
	o.mu.Unlock()
	if idx >= 2 {
		return o.rec.emit(ctx, b)
	}
	wait := func(ch chan struct{}) {
		select {
		case <-ch:
		case <-time.After(5 * time.Second): // a single batch: nothing can overtake it
		case <-ctx.Done():
		}
	}
	wait(o.two)
	o.mu.Lock()
	first := n == slices.Min(o.seen[:min(2, len(o.seen))])
	o.mu.Unlock()
	if first {
		wait(o.overtook)
		if o.refuse != nil {
			return o.refuse()
		}
		return o.rec.emit(ctx, b)
	}
	err := o.rec.emit(ctx, b)
	o.once.Do(func() { close(o.overtook) })
	return err
}

func progressLines(b []facts.Fact) int64 {
	for _, f := range b {
		if f.IngestInfo != nil {
			return f.IngestInfo.LinesRead
		}
	}
	return -1
}

func TestEmitAheadKeepsAcceptedAndCheckpointsInReadOrder(t *testing.T) {
	tr := newTree(t)
	for i := range 6 {
		s := fmt.Sprintf("s%02d", i)
		for m := range 4 {
			tr.appendTo(s, assistantLine(s, fmt.Sprintf("msg_%s_%d", s, m), 10*(m+1)))
		}
	}
	o := newOvertaker()
	var accepted [][]facts.Fact // Accepted runs on the ingestor's goroutine
	p := NewMemPersister()
	in := New(Settings{
		ConfigDirs: []string{tr.dir}, PollInterval: 10 * time.Millisecond,
		BatchFacts: 3, BatchBytes: 1 << 20, MaxLineSize: 1 << 20, Readers: 1,
		Reporter: "test", Persister: p, Emit: o.emit, EmitAhead: 1,
		Accepted: func(_ context.Context, b []facts.Fact) { accepted = append(accepted, b) },
	})
	caughtUp, err := in.pass(context.Background())
	require.NoError(t, err)
	assert.True(t, caughtUp)

	// The pipeline saw a later batch first...
	require.Greater(t, len(o.rec.batches), 2)
	assert.Greater(t, progressLines(o.rec.batches[0]), progressLines(o.rec.batches[1]))
	// ...but Accepted saw every batch once, in read order, and each batch's
	// progress counts the lines of every batch before it.
	require.Len(t, accepted, len(o.rec.batches))
	for i := 1; i < len(accepted); i++ {
		assert.Greater(t, progressLines(accepted[i]), progressLines(accepted[i-1]))
	}
	assert.EqualValues(t, 24, progressLines(accepted[len(accepted)-1]))
	assert.Len(t, o.rec.usage(), 24)
	assert.EqualValues(t, 24, in.Progress().LinesRead)

	// Every file's checkpoint is at its end: a second ingestor reads nothing.
	rec2 := &recorder{}
	in2 := newIngestor(tr, rec2, p)
	_, err = in2.pass(context.Background())
	require.NoError(t, err)
	assert.Empty(t, rec2.usage())
}

func TestEmitAheadHoldsBackCheckpointsAfterARefusedBatch(t *testing.T) {
	tr := newTree(t)
	for m := range 6 {
		tr.appendTo("s", assistantLine("s", fmt.Sprintf("msg_%d", m), 10*(m+1)))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The second batch is accepted; then the receiver shuts down while the
	// first one is still being retried.
	o := newOvertaker()
	o.refuse = func() error { cancel(); return ctx.Err() }
	emit := o.emit
	var accepted int
	p := NewMemPersister()
	in := New(Settings{
		ConfigDirs: []string{tr.dir}, PollInterval: 10 * time.Millisecond,
		BatchFacts: 3, BatchBytes: 1 << 20, MaxLineSize: 1 << 20, Readers: 1,
		Reporter: "test", Persister: p, Emit: emit, EmitAhead: 1,
		Accepted: func(context.Context, []facts.Fact) { accepted++ },
	})
	_, err := in.pass(ctx)
	require.Error(t, err)
	assert.NotEmpty(t, o.rec.batches, "the second batch was accepted")
	assert.Zero(t, accepted)
	cp, err := loadCheckpoint(context.Background(), p, tr.path("s"))
	require.NoError(t, err)
	assert.Zero(t, cp.Offset, "no checkpoint may move past the refused batch")
}

// TestProgressReportsAreStrictlyOrdered: the store keeps the progress report
// with the latest millisecond, and with a batch ahead two reports can arrive
// out of order, so reports made within one millisecond must still be ordered.
func TestProgressReportsAreStrictlyOrdered(t *testing.T) {
	in := New(Settings{Reporter: "h/claude_code"})
	prev := in.progressOf(in.snapshot(nil)).Time
	for range 1000 {
		next := in.progressOf(in.snapshot(nil)).Time
		require.Greater(t, next.UnixMilli(), prev.UnixMilli())
		prev = next
	}
}

// TestEmitAheadBatchHoldingTheWholeBudgetDoesNotStall reads lines that make
// few facts and many bytes, so the batch handed to Emit while the readers
// wait holds the whole in-flight budget. The emitter must finish that batch
// when it completes (giving the budget back) rather than wait for chunks
// that the readers cannot send without it: the pass ends, every line read.
func TestEmitAheadBatchHoldingTheWholeBudgetDoesNotStall(t *testing.T) {
	tr := newTree(t)
	pad := fmt.Sprintf(`{"type":"summary","summary":%q,"leafUuid":"l"}`+"\n", strings.Repeat("x", 600))
	for i := range 4 {
		s := fmt.Sprintf("s%d", i)
		tr.appendTo(s, assistantLine(s, "msg_"+s, 7)+strings.Repeat(pad, 40))
	}
	rec := &recorder{}
	in := New(Settings{
		ConfigDirs: []string{tr.dir}, PollInterval: 10 * time.Millisecond,
		BatchFacts: 1000, BatchBytes: 2048, MaxLineSize: 1 << 20, Readers: 2,
		Reporter: "test", Persister: NewMemPersister(), Emit: rec.emit, EmitAhead: 1,
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := in.pass(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(20 * time.Second): // a hang detector, not a timing assertion
		cancel()
		t.Fatal("the pass stalled: a batch in flight kept the budget the readers wait for")
	}
	assert.Len(t, rec.usage(), 4)
	assert.EqualValues(t, 4*41, rec.last().LinesRead)
}
