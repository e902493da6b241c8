package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

const dataFormat = "claude_code_jsonl"

// emit sends one batch of facts as log records, then their spans (see
// emitTraces), then the cumulative metrics they changed. It returns nil
// only when the logs pipeline accepted the batch; the ingestor then
// advances the checkpoints. Metrics are folded
// in only after the logs were accepted, so a retried batch is not counted
// twice; a refused metrics push is harmless because the next push carries
// the cumulative values again.
func (r *claudeCodeReceiver) emit(ctx context.Context, batch []facts.Fact) error {
	if err := r.emitLogs(ctx, batch); err != nil {
		return err
	}
	r.accepted(ctx, batch)
	return nil
}

// emitLogs sends one batch of facts as log records and returns nil only
// when the logs pipeline accepted it. It keeps no per-batch state, so the
// ingestor may call it for the next batch while one is still being written.
func (r *claudeCodeReceiver) emitLogs(ctx context.Context, batch []facts.Fact) error {
	if r.logs == nil {
		return nil
	}
	ld := r.toLogs(batch)
	opCtx := r.obsrecv.StartLogsOp(ctx)
	err := r.logs.ConsumeLogs(opCtx, ld)
	r.obsrecv.EndLogsOp(opCtx, dataFormat, ld.LogRecordCount(), err)
	return err
}

// accepted runs the per-batch steps that follow an accepted batch: unpriced
// models, spans, lag and metrics. They keep state (each span and each
// request counted once), so they run once per accepted batch, in read
// order, on one goroutine (ingest.Settings.Accepted).
func (r *claudeCodeReceiver) accepted(ctx context.Context, batch []facts.Fact) {
	r.checkPricing(batch)
	r.emitTraces(ctx, batch)
	r.recordLag(batch)
	if r.metrics == nil {
		return
	}
	md, points := r.usage.observe(batch)
	// Resource as on the logs: agents forwarding to one gateway send the
	// same cumulative series, told apart by host.name.
	for i := 0; i < md.ResourceMetrics().Len(); i++ {
		res := md.ResourceMetrics().At(i).Resource().Attributes()
		res.PutStr("service.name", r.serviceName())
		if r.hostName != "" {
			res.PutStr("host.name", r.hostName)
		}
	}
	if points > 0 {
		opCtx := r.obsrecv.StartMetricsOp(ctx)
		err := r.metrics.ConsumeMetrics(opCtx, md)
		r.obsrecv.EndMetricsOp(opCtx, dataFormat, points, err)
		if err != nil {
			r.settings.Logger.Warn("Metrics pipeline refused transcript metrics; the next push carries the totals again",
				zap.Error(err))
		}
	}
}

func (r *claudeCodeReceiver) toLogs(batch []facts.Fact) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	res.PutStr("service.name", r.serviceName())
	if r.hostName != "" {
		res.PutStr("host.name", r.hostName)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	lrs := sl.LogRecords()
	lrs.EnsureCapacity(len(batch))
	for i := range batch {
		factlog.Encode(&batch[i], lrs.AppendEmpty())
	}
	return ld
}

// serviceName is the service.name of emitted logs and metrics (config
// service_name, default claude-code).
func (r *claudeCodeReceiver) serviceName() string {
	if r.cfg.ServiceName != "" {
		return r.cfg.ServiceName
	}
	return "claude-code"
}
