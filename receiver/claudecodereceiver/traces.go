package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/traces"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

func createTraces(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Traces) (receiver.Traces, error) {
	r, err := receivers.getOrCreate(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	r.traces = next
	r.spans = traces.NewBuilder()
	return r, nil
}

// emitTraces sends the spans of a batch the logs pipeline accepted. The
// span builder is stateful (each span is emitted once), so it sees each
// accepted batch exactly once. Spans the traces pipeline refuses are
// dropped with a warning rather than retried: retrying would mean refusing
// the batch, and then the logs (idempotent) and the metrics (not) would be
// sent again. Re-reading the history (clear the checkpoints) re-creates
// them with the same ids.
func (r *claudeCodeReceiver) emitTraces(ctx context.Context, batch []facts.Fact) {
	if r.traces == nil || r.spans == nil {
		return
	}
	spans := r.spans.Add(batch)
	if len(spans) == 0 {
		return
	}
	td := toTraces(spans, r.serviceName(), r.hostName)
	opCtx := r.obsrecv.StartTracesOp(ctx)
	err := r.traces.ConsumeTraces(opCtx, td)
	r.obsrecv.EndTracesOp(opCtx, dataFormat, len(spans), err)
	if err != nil {
		r.settings.Logger.Warn("Traces pipeline refused transcript spans; they are dropped (re-read the history to re-create them)",
			zap.Int("spans", len(spans)), zap.Error(err))
	}
}

// toTraces converts spans to pdata, in the order given, under one resource
// shaped like the logs' (service.name, host.name).
func toTraces(spans []traces.Span, serviceName, hostName string) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	res := rs.Resource().Attributes()
	res.PutStr("service.name", serviceName)
	if hostName != "" {
		res.PutStr("host.name", hostName)
	}
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(metadata.ScopeName)
	out := ss.Spans()
	out.EnsureCapacity(len(spans))
	for i := range spans {
		s := &spans[i]
		sp := out.AppendEmpty()
		sp.SetTraceID(pcommon.TraceID(s.TraceID))
		sp.SetSpanID(pcommon.SpanID(s.SpanID))
		if !s.ParentSpanID.IsEmpty() {
			sp.SetParentSpanID(pcommon.SpanID(s.ParentSpanID))
		}
		sp.SetName(s.Name)
		sp.SetKind(ptrace.SpanKindInternal)
		if s.Kind == traces.KindClient {
			sp.SetKind(ptrace.SpanKindClient)
		}
		sp.SetStartTimestamp(timestamp(s.Start))
		sp.SetEndTimestamp(timestamp(s.End))
		if s.Status == traces.StatusError {
			sp.Status().SetCode(ptrace.StatusCodeError)
			sp.Status().SetMessage(s.StatusMsg)
		}
		putAttrs(sp.Attributes(), s.Attrs)
		for _, e := range s.Events {
			ev := sp.Events().AppendEmpty()
			ev.SetName(e.Name)
			ev.SetTimestamp(timestamp(e.Time))
			putAttrs(ev.Attributes(), e.Attrs)
		}
	}
	return td
}

func timestamp(t time.Time) pcommon.Timestamp {
	if t.IsZero() {
		return 0
	}
	return pcommon.NewTimestampFromTime(t)
}

func putAttrs(m pcommon.Map, attrs []traces.Attr) {
	m.EnsureCapacity(len(attrs))
	for _, a := range attrs {
		switch v := a.Value.(type) {
		case string:
			m.PutStr(a.Key, v)
		case int64:
			m.PutInt(a.Key, v)
		case float64:
			m.PutDouble(a.Key, v)
		case bool:
			m.PutBool(a.Key, v)
		}
	}
}
