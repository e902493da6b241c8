package ingest

import (
	"context"
	"encoding/json"
	"fmt"
)

// Persister stores checkpoints. A collector storage client satisfies it
// through a small adapter in the receiver; keeping it this narrow keeps the
// collector out of this package and makes tests trivial.
type Persister interface {
	Get(ctx context.Context, key string) ([]byte, error)
	// SetAll stores several keys at once (one storage transaction: a batch
	// that spans many small files costs one fsync, not one per file).
	SetAll(ctx context.Context, kv map[string][]byte) error
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

func encodeCheckpoint(cp checkpoint) []byte {
	raw, _ := json.Marshal(cp)
	return raw
}

// memPersister keeps checkpoints in memory when no storage extension is
// configured: a restart then re-reads all history, which is slow but exact.
type memPersister struct{ m map[string][]byte }

// NewMemPersister returns an in-memory Persister.
func NewMemPersister() Persister { return &memPersister{m: map[string][]byte{}} }

func (p *memPersister) Get(_ context.Context, k string) ([]byte, error) { return p.m[k], nil }

func (p *memPersister) SetAll(_ context.Context, kv map[string][]byte) error {
	for k, v := range kv {
		p.m[k] = append([]byte(nil), v...)
	}
	return nil
}
