package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// storagePersister adapts a collector storage client to the ingestor's
// checkpoint store; SetAll becomes one storage batch (one transaction).
type storagePersister struct{ client storage.Client }

func (p storagePersister) Get(ctx context.Context, key string) ([]byte, error) {
	return p.client.Get(ctx, key)
}

func (p storagePersister) SetAll(ctx context.Context, kv map[string][]byte) error {
	ops := make([]*storage.Operation, 0, len(kv))
	for k, v := range kv {
		ops = append(ops, storage.SetOperation(k, v))
	}
	return p.client.Batch(ctx, ops...)
}
