package ingest

import (
	"context"
	"encoding/json"
	"fmt"
)

// Persister is the subset of a collector storage client the ingestor needs
// (xextension/storage.Client satisfies it). Keeping it this narrow keeps the
// collector out of this package and makes tests trivial.
type Persister interface {
	Get(ctx context.Context, key string) ([]byte, error)
	Set(ctx context.Context, key string, value []byte) error
}

// checkpoint is what survives a restart for one transcript file. It is
// written only after the pipeline accepted every fact read up to Offset.
type checkpoint struct {
	Offset      int64  `json:"offset"`      // bytes of whole lines consumed
	Fingerprint string `json:"fingerprint"` // hash of the first bytes; a mismatch means the file was replaced
	Lines       int64  `json:"lines"`       // lines consumed (for progress and file:line in logs)
	BadLines    int64  `json:"bad_lines"`
}

const checkpointPrefix = "claude_code.file:"

func loadCheckpoint(ctx context.Context, p Persister, path string) (checkpoint, error) {
	var cp checkpoint
	raw, err := p.Get(ctx, checkpointPrefix+path)
	if err != nil {
		return cp, fmt.Errorf("load checkpoint for %s: %w", path, err)
	}
	if raw == nil {
		return cp, nil
	}
	if err := json.Unmarshal(raw, &cp); err != nil {
		// A corrupt checkpoint costs a re-read of the file, never data:
		// writes downstream are idempotent.
		return checkpoint{}, nil
	}
	return cp, nil
}

func saveCheckpoint(ctx context.Context, p Persister, path string, cp checkpoint) error {
	raw, _ := json.Marshal(cp)
	if err := p.Set(ctx, checkpointPrefix+path, raw); err != nil {
		return fmt.Errorf("save checkpoint for %s: %w", path, err)
	}
	return nil
}

// memPersister keeps checkpoints in memory when no storage extension is
// configured: a restart then re-reads all history, which is slow but exact.
type memPersister struct{ m map[string][]byte }

// NewMemPersister returns an in-memory Persister.
func NewMemPersister() Persister { return &memPersister{m: map[string][]byte{}} }

func (p *memPersister) Get(_ context.Context, k string) ([]byte, error) { return p.m[k], nil }
func (p *memPersister) Set(_ context.Context, k string, v []byte) error {
	p.m[k] = append([]byte(nil), v...)
	return nil
}
