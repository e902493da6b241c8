package rollupprocessor

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/ccdash/otelcol-ccdash/internal/factlog"
	"github.com/ccdash/otelcol-ccdash/internal/facts"
	"github.com/ccdash/otelcol-ccdash/internal/rolluplog"
)

func apiFact(key string, t time.Time, in, out int64, side bool) facts.Fact {
	return facts.Fact{Key: key, Event: facts.EventAPIRequest, Time: t, Model: "opus", IsSidechain: side,
		Usage: facts.Usage{Input: in, Output: out}, CostNanos: 1000 * (in + out)}
}

func toolFact(event, id, name string, t time.Time, isErr bool) facts.Fact {
	return facts.Fact{Key: event + id, Event: event, Time: t, ToolUseID: id, ToolName: name, IsError: isErr}
}

func progressFact(complete bool) facts.Fact {
	return facts.Fact{Key: "ingest:r", Event: facts.EventIngestProgress, Time: time.Now(),
		IngestInfo: &facts.IngestProgress{Reporter: "r", BackfillComplete: complete}}
}

func factLogs(fs ...facts.Fact) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("host.name", "h")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
	for i := range fs {
		factlog.Encode(&fs[i], lrs.AppendEmpty())
	}
	return ld
}

// logTotals reads the rollup records a logs processor sent on: the last
// total of every window by "metric period start attrs", gaps as -1; empty
// windows are removed.
func logTotals(sink *consumertest.LogsSink) map[string]float64 {
	out := map[string]float64{}
	for _, ld := range sink.AllLogs() {
		recs, _ := rolluplog.DecodeAll(ld)
		for _, r := range recs {
			key := fmt.Sprintf("%s %s %s %v", r.Metric, r.Period, r.Start.Format("01-02T15"), r.Attributes)
			if r.Incomplete {
				out[key] = -1
				continue
			}
			if r.Empty {
				delete(out, key)
				continue
			}
			out[key] = r.Value
		}
	}
	return out
}

type logsRig struct {
	t    *testing.T
	p    *logsProcessor
	sink *consumertest.LogsSink
}

func newLogsRig(t *testing.T, cfg *Config, host component.Host) *logsRig {
	t.Helper()
	sink := &consumertest.LogsSink{}
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(NewFactory().Type()), cfg, sink)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, p.Start(context.Background(), host))
	return &logsRig{t: t, p: p.(*logsProcessor), sink: sink}
}

func (r *logsRig) send(fs ...facts.Fact) {
	r.t.Helper()
	require.NoError(r.t, r.p.ConsumeLogs(context.Background(), factLogs(fs...)))
}

func logsConfig(periods ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Periods = periods
	return cfg
}

func TestLogsPassThroughAndAppend(t *testing.T) {
	r := newLogsRig(t, logsConfig(PeriodHourly), nil)
	ld := factLogs(apiFact("req:1", at(10, 5), 100, 10, false))
	// A record that is no fact (a native event) passes untouched.
	native := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
	native.SetEventName("claude_code.api_request")
	require.NoError(t, r.p.ConsumeLogs(context.Background(), ld))

	got := r.sink.AllLogs()
	require.Len(t, got, 1)
	first := got[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	require.Equal(t, 2, first.Len(), "the input records pass through")
	f, ok := factlog.Decode(first.At(0))
	require.True(t, ok)
	assert.Equal(t, "req:1", f.Key)
	assert.Equal(t, "claude_code.api_request", first.At(1).EventName())

	assert.Equal(t, map[string]float64{
		"claude_code.token.usage hourly 11-23T10 map[model:opus type:input]":         100,
		"claude_code.token.usage hourly 11-23T10 map[model:opus type:output]":        10,
		"claude_code.token.usage hourly 11-23T10 map[model:opus type:cacheRead]":     0,
		"claude_code.token.usage hourly 11-23T10 map[model:opus type:cacheCreation]": 0,
		"claude_code.cost.usage hourly 11-23T10 map[model:opus]":                     0.00011,
	}, logTotals(r.sink))
	recs, res := rolluplog.DecodeAll(got[0])
	require.NotEmpty(t, recs)
	assert.Equal(t, map[string]string{"host.name": "h"}, res[0], "windows keep the facts' resource")
	assert.Equal(t, "UTC", recs[0].TZ)
	assert.Equal(t, at(11, 0), recs[0].Since, "no complete_history: coverage starts after the first window")
}

// TestLogsStreamedCopies: the copies of one API response count once per
// window, at the copy the store keeps (non-sidechain first, then the
// largest total), whatever their order; a kept copy in another hour moves
// the response.
func TestLogsStreamedCopies(t *testing.T) {
	tests := []struct {
		name   string
		copies []facts.Fact
		want   map[string]float64 // input tokens by hour
	}{
		{"growing", []facts.Fact{apiFact("req:1", at(10, 5), 100, 1, false), apiFact("req:1", at(10, 6), 100, 50, false)},
			map[string]float64{"10": 100}},
		{"smaller copy later", []facts.Fact{apiFact("req:1", at(10, 6), 100, 50, false), apiFact("req:1", at(10, 5), 90, 1, false)},
			map[string]float64{"10": 100}},
		{"sidechain copy is bigger", []facts.Fact{apiFact("req:1", at(10, 5), 100, 1, false), apiFact("req:1", at(10, 7), 500, 1, true)},
			map[string]float64{"10": 100}},
		{"non-sidechain replaces sidechain", []facts.Fact{apiFact("req:1", at(10, 7), 500, 1, true), apiFact("req:1", at(10, 5), 100, 1, false)},
			map[string]float64{"10": 100}},
		{"kept copy in the next hour", []facts.Fact{apiFact("req:1", at(10, 59), 100, 1, false), apiFact("req:1", at(11, 0), 120, 1, false)},
			map[string]float64{"11": 120}}, // hour 10 is empty: no point, as in the store
		// Equal copies straddling an hour: the earlier one is kept, as in the
		// store and ccusage (which keeps the copy it reads first).
		{"equal copies: the earlier one", []facts.Fact{apiFact("req:1", at(11, 0), 100, 1, false), apiFact("req:1", at(10, 59), 100, 1, false)},
			map[string]float64{"10": 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneBatch := range []bool{true, false} {
				r := newLogsRig(t, logsConfig(PeriodHourly), nil)
				if oneBatch {
					r.send(tt.copies...)
				} else {
					for _, c := range tt.copies {
						r.send(c)
					}
				}
				got := map[string]float64{}
				for k, v := range logTotals(r.sink) {
					var hour string
					if _, err := fmt.Sscanf(k, "claude_code.token.usage hourly 11-23T%s map[model:opus type:input]", &hour); err == nil &&
						len(k) == len("claude_code.token.usage hourly 11-23T10 map[model:opus type:input]") {
						got[hour] = v
					}
				}
				assert.Equal(t, tt.want, got, "one batch: %v", oneBatch)
			}
		})
	}
}

func TestLogsToolCalls(t *testing.T) {
	r := newLogsRig(t, logsConfig(PeriodHourly), nil)
	// The result arrives first (placed at its time), then the start moves
	// the call to the start's hour; the outcome comes from the result.
	r.send(toolFact(facts.EventToolResult, "t1", "Bash", at(11, 1), true))
	r.send(toolFact(facts.EventToolUse, "t1", "Bash", at(10, 59), false))
	r.send(toolFact(facts.EventToolUse, "t2", "Read", at(10, 30), false))  // no result yet: counted as a call
	r.send(toolFact(facts.EventToolResult, "t1", "Bash", at(11, 1), true)) // replay
	assert.Equal(t, map[string]float64{
		"ccdash.tool.calls hourly 11-23T10 map[status:error tool:Bash]":   1,
		"ccdash.tool.calls hourly 11-23T10 map[status:success tool:Read]": 1,
	}, logTotals(r.sink))
}

func TestLogsReplayAndRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := logsConfig(PeriodHourly, PeriodDaily)
	id := storagetest.NewStorageID("rollup")
	cfg.StorageID = &id
	cfg.CompleteHistory = true
	cfg.CloseAfter = 24 * time.Hour // every window stays open
	host := func() component.Host {
		return storagetest.NewStorageHost().WithFileBackedStorageExtension("rollup", dir)
	}
	batch := []facts.Fact{
		apiFact("req:1", at(10, 5), 100, 1, false), apiFact("req:2", at(12, 5), 7, 1, false),
		{Key: "commit:a", Event: facts.EventCommit, Time: at(12, 10)},
		{Key: "pr:1", Event: facts.EventPullRequest, Time: at(12, 11)},
	}

	r := newLogsRig(t, cfg, host())
	r.send(batch...)
	first := logTotals(r.sink)
	assert.Equal(t, 107.0, first["claude_code.token.usage daily 11-23T00 map[model:opus type:input]"])
	assert.Equal(t, 1.0, first["claude_code.commit.count daily 11-23T00 map[]"])
	assert.Equal(t, 1.0, first["claude_code.pull_request.count hourly 11-23T12 map[]"])
	r.send(batch...) // a replay into the running state
	assert.Equal(t, first, logTotals(r.sink))
	require.NoError(t, r.p.Shutdown(context.Background()))

	r = newLogsRig(t, cfg, host()) // a restart that restores the state
	r.send(batch...)
	assert.Equal(t, first, logTotals(r.sink), "replayed facts re-send their windows unchanged")
	r.send(apiFact("req:1", at(10, 6), 100, 9, false)) // a bigger copy after the restart
	assert.Equal(t, 9.0, logTotals(r.sink)["claude_code.token.usage hourly 11-23T10 map[model:opus type:output]"])
	assert.Equal(t, 107.0, logTotals(r.sink)["claude_code.token.usage daily 11-23T00 map[model:opus type:input]"])
	recs, _ := rolluplog.DecodeAll(r.sink.AllLogs()[1])
	require.NotEmpty(t, recs)
	for _, rec := range recs {
		if rec.Metric == "claude_code.token.usage" && rec.Period == PeriodHourly {
			assert.Equal(t, at(10, 0), rec.Since, "complete_history: coverage from the earliest window")
		}
	}
	require.NoError(t, r.p.Shutdown(context.Background()))
}

// TestLogsBackfillHold: while the reporter backfills, facts far older than
// the newest one still find their windows open; without the hold they
// become gaps. Facts are forgotten once their windows close.
func TestLogsBackfillHold(t *testing.T) {
	for _, hold := range []time.Duration{time.Hour, 0} {
		t.Run(fmt.Sprint("hold ", hold), func(t *testing.T) {
			cfg := logsConfig(PeriodHourly)
			cfg.BackfillHold = hold
			r := newLogsRig(t, cfg, nil)
			r.send(apiFact("req:new", at(20, 0), 1, 1, false), progressFact(false))
			r.send(apiFact("req:old", at(8, 0), 5, 1, false), progressFact(false)) // another file, 12 hours older
			late := "claude_code.token.usage hourly 11-23T08 map[model:opus type:input]"
			if hold > 0 {
				assert.Equal(t, 5.0, logTotals(r.sink)[late])
				assert.Len(t, r.p.st.Facts, 2)
			} else {
				assert.Equal(t, -1.0, logTotals(r.sink)[late], "a gap")
			}
			r.send(progressFact(true)) // backfill complete: the old window closes
			assert.Empty(t, r.p.st.Holds)
			assert.Len(t, r.p.st.Facts, 1, "only the fact of the open window is kept")
			r.send(apiFact("req:old", at(8, 0), 6, 1, false)) // a bigger copy, too late
			assert.Equal(t, -1.0, logTotals(r.sink)[late])
		})
	}
}

func TestLogsHoldExpires(t *testing.T) {
	r := newLogsRig(t, logsConfig(PeriodHourly), nil)
	now := time.Now()
	r.p.now = func() time.Time { return now }
	r.send(apiFact("req:new", at(20, 0), 1, 1, false), progressFact(false))
	r.send(apiFact("req:old", at(8, 0), 5, 1, false))
	assert.Len(t, r.p.st.Holds, 1)
	now = now.Add(2 * time.Hour) // the reporter went away mid-backfill
	r.send(apiFact("req:x", at(20, 1), 1, 1, false))
	assert.Empty(t, r.p.st.Holds)
	assert.Len(t, r.p.st.Facts, 2, "the held window closed")
}
