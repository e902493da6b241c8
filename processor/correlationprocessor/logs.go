package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// processLogs feeds the batch's facts to the engine, then puts the keys
// known at the end of the batch on every record (a record early in the
// batch benefits from evidence later in it), then appends each new link as
// a ccdash.link record next to the record that was its evidence (same
// resource, so host.name and friends stay right).
func (c *correlator) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	// Sized up front: a fact is large, and growing a backfill batch of
	// thousands of them by appends was a quarter of this function's time.
	n := ld.LogRecordCount()
	fs := make([]facts.Fact, 0, n)
	scopes := make([]plog.ScopeLogs, 0, n) // scopes[i]: where fs[i] came from
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				if f, ok := factlog.Decode(lrs.At(k)); ok {
					fs = append(fs, f)
					scopes = append(scopes, sls.At(j))
				}
			}
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	engine := c.engineLocked()
	links, err := engine.Process(ctx, fs)
	if err != nil {
		// State persistence is best effort: links already emitted are in
		// the pipeline; a lost state only means re-emitting them later.
		c.logger.Warn("correlation state storage failed", zap.Error(err))
	}
	if c.tb != nil {
		c.tb.ProcessorCorrelationLinks.Add(ctx, int64(len(links)))
		c.tb.ProcessorCorrelationSessions.Record(ctx, int64(engine.Sessions()))
		if n := errorCount(err); n > 0 {
			c.tb.ProcessorCorrelationStateErrors.Add(ctx, int64(n))
		}
	}

	for i := 0; i < rls.Len(); i++ {
		res := rls.At(i).Resource().Attributes()
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				_, isFact := lr.Attributes().Get(factlog.AttrFactKey)
				annotate(ctx, engine, lr.Attributes(), res, !isFact)
			}
		}
	}

	for _, l := range links {
		factlog.Encode(&l.Fact, scopes[l.Source].LogRecords().AppendEmpty())
	}
	return ld, nil
}

// errorCount counts the errors joined in err.
func errorCount(err error) int {
	if err == nil {
		return 0
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return len(j.Unwrap())
	}
	return 1
}
