package alerts

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// DefaultLookback is how far back each evaluation looks when none is set.
const DefaultLookback = 8 * 24 * time.Hour

// Evaluator evaluates every enabled rule against a store.
type Evaluator struct {
	Store *store.Store
	// Lookback bounds the periods evaluated: those overlapping
	// [now-Lookback, now]. Zero means DefaultLookback.
	Lookback time.Duration
}

// Evaluate evaluates every enabled rule at now and stores the new state
// changes; it returns how many events were new. A failing rule does not stop
// the others; their errors are joined.
func (e *Evaluator) Evaluate(ctx context.Context, now time.Time) (int, error) {
	rules, err := e.Store.Alerts(ctx)
	if err != nil {
		return 0, err
	}
	added := 0
	var errs []error
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		evs, err := e.RuleEvents(ctx, r, now)
		if err == nil {
			var n int
			n, err = e.Store.AddAlertEvents(ctx, evs)
			added += n
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("alert %s: %w", r.ID, err))
		}
	}
	return added, errors.Join(errs...)
}

// RuleEvents derives a rule's state changes over the lookback window at now
// (see the package comment). It reads the store and writes nothing.
func (e *Evaluator) RuleEvents(ctx context.Context, r store.AlertRule, now time.Time) ([]store.AlertEvent, error) {
	loc, err := loadTZ(r.TZ)
	if err != nil {
		return nil, err
	}
	lookback := e.Lookback
	if lookback <= 0 {
		lookback = DefaultLookback
	}
	_, first := store.PeriodOf(r.Period, loc, now.Add(-lookback))
	res, err := e.Store.Series(ctx, store.SeriesQuery{Metric: r.Metric, Period: r.Period, Loc: loc, Filters: r.Filters,
		Start: first, End: now})
	if err != nil {
		return nil, err
	}
	values := make(map[int64]store.Value)
	for _, s := range res.Series {
		for _, p := range s.Points {
			values[p.Start.UnixMilli()] = p.Value
		}
	}
	// The state before the window: the latest stored event before it.
	firing := false
	prev, err := e.Store.AlertEvents(ctx, store.AlertEventsQuery{AlertID: r.ID, End: first, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(prev) > 0 {
		firing = prev[0].State == store.AlertFiring
	}

	var out []store.AlertEvent
	for start := first; start.Before(now); {
		next := store.NextPeriod(r.Period, loc, start)
		complete := !next.After(now)
		label, _ := store.PeriodOf(r.Period, loc, start)
		v, ok := values[start.UnixMilli()]
		if !ok {
			v = store.NewValue(r.Metric, 0)
		}
		breach := breaches(r.Operator, v.Float(), r.Threshold)
		if !complete && !firesWhileOpen(r.Operator) {
			break
		}
		ev := store.AlertEvent{AlertID: r.ID, Bucket: label, BucketStart: start.UTC(), Value: v, Threshold: r.Threshold, At: now.UTC()}
		switch {
		case breach && !firing:
			ev.State, firing = store.AlertFiring, true
			out = append(out, ev)
		case !breach && firing && complete:
			ev.State, firing = store.AlertResolved, false
			out = append(out, ev)
		}
		start = next
	}
	return out, nil
}

// Scheduler runs an Evaluator every Interval until stopped.
type Scheduler struct {
	eval     *Evaluator
	interval time.Duration
	onError  func(error)
	now      func() time.Time

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewScheduler returns a scheduler; onError (may be nil) receives
// evaluation errors.
func NewScheduler(e *Evaluator, interval time.Duration, onError func(error)) *Scheduler {
	if onError == nil {
		onError = func(error) {}
	}
	return &Scheduler{eval: e, interval: interval, onError: onError, now: time.Now}
}

// Start evaluates once at once, then every interval, in a goroutine.
func (s *Scheduler) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(s.interval)
		defer t.Stop()
		for {
			if _, err := s.eval.Evaluate(ctx, s.now()); err != nil && ctx.Err() == nil {
				s.onError(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Stop cancels a running evaluation and waits for the goroutine to end.
// Safe without Start and more than once.
func (s *Scheduler) Stop() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}
