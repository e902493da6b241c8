package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/correlate"
	"github.com/ccdash/otelcol-ccdash/processor/correlationprocessor/internal/metadata"
)

// correlator is the state shared by the logs, metrics and traces processors
// of one configured component: the metrics and traces pipelines read the
// session context the logs pipeline learns.
type correlator struct {
	cfg       *Config
	id        component.ID
	logger    *zap.Logger
	telemetry component.TelemetrySettings
	tb        *metadata.TelemetryBuilder // set while started

	mu     sync.Mutex // guards everything below and the engine's use
	refs   int        // started processors
	engine *correlate.Engine
	client storage.Client
}

// registry maps a configuration to its correlator (one per component ID:
// the collector hands every pipeline's instance the same *Config).
type registry struct {
	mu sync.Mutex
	m  map[*Config]*correlator
}

var correlators = &registry{m: make(map[*Config]*correlator)}

// handle is one processor's reference to its correlator; start and shutdown
// are idempotent per processor.
type handle struct {
	*correlator
	started bool
}

func (r *registry) get(cfg *Config, set processor.Settings) *handle {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.m[cfg]
	if !ok {
		c = &correlator{cfg: cfg, id: set.ID, logger: set.Logger, telemetry: set.TelemetrySettings}
		r.m[cfg] = c
	}
	return &handle{correlator: c}
}

func (r *registry) remove(c *correlator) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m[c.cfg] == c {
		delete(r.m, c.cfg)
	}
}

func (h *handle) start(ctx context.Context, host component.Host) error {
	if h.started {
		return nil
	}
	if err := h.acquire(ctx, host); err != nil {
		return err
	}
	h.started = true
	return nil
}

func (h *handle) shutdown(ctx context.Context) error {
	if !h.started {
		h.mu.Lock()
		idle := h.refs == 0
		h.mu.Unlock()
		if idle {
			correlators.remove(h.correlator)
		}
		return nil
	}
	h.started = false
	return h.release(ctx)
}

func (c *correlator) acquire(ctx context.Context, host component.Host) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs++
	if c.refs > 1 {
		return nil
	}
	tb, err := metadata.NewTelemetryBuilder(c.telemetry)
	if err != nil {
		c.refs--
		return err
	}
	client, err := storageClient(ctx, host, c.cfg.StorageID, c.id)
	if err != nil {
		c.refs--
		tb.Shutdown()
		return err
	}
	var kv correlate.KV
	if client != nil {
		kv = storageKV{client}
	}
	engine, err := correlate.New(engineConfig(c.cfg), kv, nil)
	if err != nil {
		c.refs--
		tb.Shutdown()
		if client != nil {
			_ = client.Close(ctx)
		}
		return err
	}
	c.client, c.engine, c.tb = client, engine, tb
	return nil
}

func (c *correlator) release(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refs--
	if c.refs > 0 {
		return nil
	}
	correlators.remove(c)
	c.engine = nil
	if c.tb != nil {
		c.tb.Shutdown()
		c.tb = nil
	}
	if c.client == nil {
		return nil
	}
	err := c.client.Close(ctx)
	c.client = nil
	return err
}

// engineLocked returns the engine; a processor used without Start (tests)
// gets a memory-only one. The caller holds mu.
func (c *correlator) engineLocked() *correlate.Engine {
	if c.engine == nil {
		// Validate has checked the patterns; New cannot fail here.
		c.engine, _ = correlate.New(engineConfig(c.cfg), nil, nil)
	}
	return c.engine
}

func engineConfig(cfg *Config) correlate.Config {
	return correlate.Config{
		TaskIDPatterns: cfg.TaskIDPatterns,
		ProgressDir:    cfg.ProgressDir,
		MaxSessions:    cfg.MaxSessions,
		MaxTasks:       cfg.MaxTasks,
		TTL:            cfg.StateTTL,
	}
}

// storageClient resolves the storage extension; nil without one.
func storageClient(ctx context.Context, host component.Host, id *component.ID, self component.ID) (storage.Client, error) {
	if id == nil {
		return nil, nil
	}
	ext, ok := host.GetExtensions()[*id]
	if !ok {
		return nil, fmt.Errorf("storage extension %s not found", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("extension %s is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindProcessor, self, "")
	if err != nil {
		return nil, fmt.Errorf("storage client: %w", err)
	}
	return client, nil
}

// storageKV adapts a storage client to the engine's KV: one batch per Apply.
type storageKV struct{ c storage.Client }

func (s storageKV) Get(ctx context.Context, key string) ([]byte, error) { return s.c.Get(ctx, key) }

func (s storageKV) Apply(ctx context.Context, set map[string][]byte, del []string) error {
	ops := make([]*storage.Operation, 0, len(set)+len(del))
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ops = append(ops, storage.SetOperation(k, set[k]))
	}
	slices.Sort(del)
	for _, k := range del {
		ops = append(ops, storage.DeleteOperation(k))
	}
	if len(ops) == 0 {
		return nil
	}
	return s.c.Batch(ctx, ops...)
}
