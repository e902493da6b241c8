package rollupprocessor // import "github.com/ccdash/otelcol-ccdash/processor/rollupprocessor"

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/processor"

	"github.com/ccdash/otelcol-ccdash/processor/rollupprocessor/internal/metadata"
)

type rollupProcessor struct {
	cfg       *Config
	settings  processor.Settings
	next      consumer.Metrics
	loc       *time.Location
	selected  map[string]bool // nil: every metric
	telemetry *metadata.TelemetryBuilder

	// mu serializes batches: each one updates the state, persists it and
	// hands its output on before the next starts, so window totals leave
	// in the order they were reached.
	mu     sync.Mutex
	st     *state
	client storage.Client // nil without storage
	// storageName names the storage client: the logs instance of a
	// processor id keeps its state apart from the metrics instance's.
	storageName string
	now         func() time.Time // wall clock of backfill holds
	// dirty: the state changed after it was last saved (deliveries are
	// saved with the next batch, or at shutdown).
	dirty bool
}

func newRollupProcessor(set processor.Settings, cfg *Config, next consumer.Metrics) (*rollupProcessor, error) {
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &rollupProcessor{cfg: cfg, settings: set, next: next, loc: loc, telemetry: tb, st: newState(), now: time.Now}
	if len(cfg.Metrics) > 0 {
		p.selected = map[string]bool{}
		for _, m := range cfg.Metrics {
			p.selected[m] = true
		}
	}
	return p, nil
}

func (p *rollupProcessor) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{MutatesData: false}
}

// Start restores the state from the storage extension, when one is named.
func (p *rollupProcessor) Start(ctx context.Context, host component.Host) error {
	if p.cfg.StorageID == nil {
		return nil
	}
	ext, ok := host.GetExtensions()[*p.cfg.StorageID]
	if !ok {
		return fmt.Errorf("rollup: storage extension %q not found: add it under service.extensions", p.cfg.StorageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("rollup: extension %q is not a storage extension", p.cfg.StorageID)
	}
	client, err := se.GetClient(ctx, component.KindProcessor, p.settings.ID, p.storageName)
	if err != nil {
		return fmt.Errorf("rollup: storage client: %w", err)
	}
	st, err := load(ctx, client)
	if err != nil {
		_ = client.Close(ctx)
		return err
	}
	p.mu.Lock()
	p.st, p.client = st, client
	p.mu.Unlock()
	return nil
}

func (p *rollupProcessor) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.telemetry.Shutdown()
	if p.client == nil {
		return nil
	}
	var err error
	if p.dirty {
		err = save(ctx, p.client, p.st)
	}
	err = errors.Join(err, p.client.Close(ctx))
	p.client = nil
	return err
}

// ConsumeMetrics folds the batch's sums and histograms into their windows,
// persists the state, and sends on the absolute totals of every window the
// batch touched (plus the input when keep_input is set). A batch that fails
// downstream is retried by the caller: the high-water marks make the
// retried points count nothing, and the touched windows are sent again.
// Windows whose totals were not delivered stay pending (and open) and go out
// again with the next batch, so a caller that drops a failed batch loses no
// window total either.
func (p *rollupProcessor) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	p.mu.Lock()
	defer p.mu.Unlock()

	b := newBatch(p)
	rms := md.ResourceMetrics()
	for i := 0; i < rms.Len(); i++ {
		rm := rms.At(i)
		res := canonical(rm.Resource().Attributes())
		sms := rm.ScopeMetrics()
		for j := 0; j < sms.Len(); j++ {
			sm := sms.At(j)
			ms := sm.Metrics()
			for k := 0; k < ms.Len(); k++ {
				m := ms.At(k)
				if p.selected != nil && !p.selected[m.Name()] {
					continue
				}
				b.metric(res, sm.Scope().Name(), m)
			}
		}
	}
	b.finish()

	out := pmetric.NewMetrics()
	if p.cfg.KeepInput {
		md.CopyTo(out)
	}
	b.emit(out)

	if b.changed && p.client != nil {
		if err := save(ctx, p.client, p.st); err != nil {
			return err
		}
		p.dirty = false
	}
	p.record(ctx, b)
	if out.ResourceMetrics().Len() == 0 {
		return nil
	}
	if err := p.next.ConsumeMetrics(ctx, out); err != nil {
		return err // the windows stay pending and are sent with the next batch
	}
	// Persisted with the next batch; a restart before that only sends
	// these totals once more.
	b.delivered()
	p.dirty = true
	return nil
}

func (p *rollupProcessor) record(ctx context.Context, b *batch) {
	if b.late > 0 {
		p.telemetry.ProcessorRollupLatePoints.Add(ctx, b.late)
	}
	if b.replayed > 0 {
		p.telemetry.ProcessorRollupReplayedPoints.Add(ctx, b.replayed)
	}
	if b.skipped > 0 {
		p.telemetry.ProcessorRollupSkippedPoints.Add(ctx, b.skipped)
	}
}
