package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// processTraces puts the known keys on spans whose session is known
// (session.id or gen_ai.conversation.id on the span or its resource).
func (c *correlator) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.engineLocked()
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		res := rss.At(i).Resource().Attributes()
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				annotate(ctx, e, spans.At(k).Attributes(), res, true)
			}
		}
	}
	return td, nil
}
