package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ccdash/otelcol-ccdash/internal/store"
	"github.com/ccdash/otelcol-ccdash/internal/store/storetest"
)

// TestSchedulerEvaluatesAndStops: a started scheduler stores the events of
// the rules; Stop returns after the goroutine ended and may be repeated.
func TestSchedulerEvaluatesAndStops(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "sqlite", storetest.DSN(t, "sqlite"))
	defer s.Close()
	require.NoError(t, s.Write(ctx, costFacts()))
	rule := store.AlertRule{ID: "r", Name: "r", Metric: store.MetricCostUSD, Operator: ">", Threshold: 5, Enabled: true}
	require.NoError(t, Validate(&rule))
	require.NoError(t, s.CreateAlert(ctx, rule))

	sch := NewScheduler(&Evaluator{Store: s}, time.Hour, func(err error) { t.Errorf("evaluation: %v", err) })
	sch.now = func() time.Time { return day(4, 12) }
	sch.Start()
	require.Eventually(t, func() bool {
		evs, err := s.AlertEvents(ctx, store.AlertEventsQuery{AlertID: "r"})
		return err == nil && len(evs) == 2
	}, 10*time.Second, 10*time.Millisecond)
	sch.Stop()
	sch.Stop()
	NewScheduler(&Evaluator{Store: s}, time.Hour, nil).Stop() // never started

	// A disabled rule is not evaluated.
	rule.ID, rule.Enabled = "off", false
	require.NoError(t, s.CreateAlert(ctx, rule))
	n, err := (&Evaluator{Store: s}).Evaluate(ctx, day(4, 12))
	require.NoError(t, err)
	assert.Equal(t, 0, n)
}
