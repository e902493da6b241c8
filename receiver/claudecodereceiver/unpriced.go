package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"

	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// statusUnpriced marks API-request facts whose model the price table does
// not know: they cost 0, like ccusage, and are counted here so the gap is
// visible instead of silently cheap.
const statusUnpriced = "unpriced"

// unpricedWatch counts each unpriced API response once and warns once per
// model. It runs on the ingest goroutine only.
type unpricedWatch struct {
	seen   map[string]struct{} // response keys already counted
	warned map[string]struct{} // models already logged
}

func newUnpricedWatch() *unpricedWatch {
	return &unpricedWatch{seen: map[string]struct{}{}, warned: map[string]struct{}{}}
}

func (r *claudeCodeReceiver) checkPricing(batch []facts.Fact) {
	for i := range batch {
		f := &batch[i]
		if f.Event != facts.EventAPIRequest || f.Status != statusUnpriced {
			continue
		}
		if _, ok := r.unpriced.seen[f.Key]; ok {
			continue
		}
		r.unpriced.seen[f.Key] = struct{}{}
		r.telemetry.ReceiverClaudeCodeUnpricedRequests.Add(context.Background(), 1)
		if _, ok := r.unpriced.warned[f.Model]; !ok {
			r.unpriced.warned[f.Model] = struct{}{}
			r.settings.Logger.Warn("Model not in the price table: its requests are stored with cost 0 (tokens are exact)",
				zap.String("model", f.Model), zap.String("file", f.SourceFile))
		}
	}
}
