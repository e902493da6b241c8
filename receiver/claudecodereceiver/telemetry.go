package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"

	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

// telemetryObserver feeds the ingestor's counters into the receiver's
// self-telemetry (otelcol_receiver_claude_code_* metrics).
type telemetryObserver struct{ tb *metadata.TelemetryBuilder }

func (o telemetryObserver) LinesRead(n int64) {
	o.tb.ReceiverClaudeCodeLinesRead.Add(context.Background(), n)
}

func (o telemetryObserver) BadLines(n int64) {
	o.tb.ReceiverClaudeCodeBadLines.Add(context.Background(), n)
}

func (o telemetryObserver) BytesRead(n int64) {
	o.tb.ReceiverClaudeCodeBytesRead.Add(context.Background(), n)
}

func (o telemetryObserver) Files(n int64) {
	o.tb.ReceiverClaudeCodeFiles.Record(context.Background(), n)
}
