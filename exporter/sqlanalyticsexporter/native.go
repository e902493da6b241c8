package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/native"
)

// nativeTranslator prices native-only usage with the same embedded table the
// receiver prices transcript usage with.
var nativeTranslator = native.New(nil)

// nativeFacts translates the records of ld that carry no ccdash fact key
// and are Claude Code's own events (CLAUDE_CODE_ENABLE_TELEMETRY=1, sent to
// an otlp receiver in the same logs pipeline) into facts. foreign counts the
// records that are neither.
func nativeFacts(ld plog.Logs) (out []facts.Fact, foreign int) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		host := attrStr(rl.Resource().Attributes(), factlog.AttrHostName)
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				if _, isFact := lr.Attributes().Get(factlog.AttrFactKey); isFact {
					continue
				}
				rec := native.Record{
					EventName: lr.EventName(),
					Attrs:     lr.Attributes().AsRaw(),
					Host:      host,
				}
				if lr.Timestamp() != 0 {
					rec.Time = lr.Timestamp().AsTime()
				} // else Translate falls back to event.timestamp, and below to the observed time
				if lr.Body().Type() == pcommon.ValueTypeStr {
					rec.Body = lr.Body().Str()
				}
				if rec.Host == "" {
					// OTEL_RESOURCE_ATTRIBUTES keys are copied onto every native record.
					rec.Host = attrStr(lr.Attributes(), factlog.AttrHostName)
				}
				f, ok := nativeTranslator.Translate(&rec)
				if !ok {
					foreign++
					continue
				}
				if f.Time.IsZero() && lr.ObservedTimestamp() != 0 {
					f.Time = lr.ObservedTimestamp().AsTime().UTC()
				}
				out = append(out, f)
			}
		}
	}
	return out, foreign
}

func attrStr(m pcommon.Map, k string) string {
	if v, ok := m.Get(k); ok {
		return v.AsString()
	}
	return ""
}
