package sqlanalyticsexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/pmetric"

	"github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter/internal/metadata"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

func rollupPoint(s pmetric.Sum, v int64, extra map[string]string) {
	dp := s.DataPoints().AppendEmpty()
	dp.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)))
	dp.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)))
	dp.SetIntValue(v)
	a := dp.Attributes()
	a.PutStr("model", "opus")
	a.PutStr(attrPeriod, "daily")
	a.PutStr(attrPeriodStart, "2026-11-23T01:00:00+01:00")
	a.PutStr(attrPeriodEnd, "2026-11-24T01:00:00+01:00")
	a.PutStr(attrPeriodTZ, "Europe/Berlin")
	a.PutStr(attrSince, "2026-11-20T00:00:00+01:00")
	for k, v := range extra {
		a.PutStr(k, v)
	}
}

func TestRollupEntries(t *testing.T) {
	md := pmetric.NewMetrics()
	rm := md.ResourceMetrics().AppendEmpty()
	rm.Resource().Attributes().PutStr("host.name", "laptop")
	ms := rm.ScopeMetrics().AppendEmpty().Metrics()
	m := ms.AppendEmpty()
	m.SetName("claude_code.token.usage")
	m.SetUnit("tokens")
	s := m.SetEmptySum()
	rollupPoint(s, 42, nil)
	s.DataPoints().AppendEmpty().SetIntValue(1) // not a rollup point
	h := ms.AppendEmpty()
	h.SetName("ccdash.tool.duration")
	hp := h.SetEmptyHistogram().DataPoints().AppendEmpty()
	hp.Attributes().PutStr(attrPeriod, "hourly")
	hp.Attributes().PutBool(attrIncomplete, true)
	hp.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)))
	hp.SetTimestamp(pcommon.NewTimestampFromTime(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)))
	ms.AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty() // gauges are never stored

	entries, ignored := rollupEntries(md)
	assert.Equal(t, 2, ignored)
	require.Len(t, entries, 2)
	e := entries[0]
	v := int64(42)
	assert.Equal(t, store.RollupEntry{
		Metric: "claude_code.token.usage", Unit: "tokens", Kind: store.RollupSum, Period: "daily", TZ: "Europe/Berlin",
		Start: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
		Value: 42, Int: &v,
		Resource: map[string]string{"host.name": "laptop"}, Attributes: map[string]string{"model": "opus"},
		Observed: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), Since: time.Date(2026, 11, 19, 23, 0, 0, 0, time.UTC),
	}, normalize(e))
	g := entries[1]
	assert.True(t, g.Incomplete)
	assert.Equal(t, store.RollupHistogram, g.Kind)
	assert.Equal(t, "UTC", g.TZ)
	assert.Equal(t, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), g.Start.UTC(), "bounds from the timestamps when no attributes")
}

// normalize puts times in UTC so entries compare by instant.
func normalize(e store.RollupEntry) store.RollupEntry {
	e.Start, e.End, e.Observed, e.Since = e.Start.UTC(), e.End.UTC(), e.Observed.UTC(), e.Since.UTC()
	return e
}

func TestMetricsExporterStoresRollups(t *testing.T) {
	id, ext, s := startStore(t)
	f := NewFactory()
	exp, err := f.CreateMetrics(context.Background(), exportertest.NewNopSettings(metadata.Type), f.CreateDefaultConfig())
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), hostWith{id: ext}))
	defer func() { assert.NoError(t, exp.Shutdown(context.Background())) }()

	md := pmetric.NewMetrics()
	m := md.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty()
	m.SetName("claude_code.token.usage")
	rollupPoint(m.SetEmptySum(), 42, map[string]string{"type": "input"})
	for range 2 { // a duplicate delivery changes nothing
		require.NoError(t, exp.ConsumeMetrics(context.Background(), md))
	}
	n, err := s.RollupCount(context.Background(), "claude_code.token.usage", "daily")
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
}
