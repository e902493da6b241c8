// Package rolluplog converts rollup window totals to OTLP log records and
// back. In a logs pipeline the rollup processor sends its windows on as
// `ccdash.rollup` records next to the facts they were computed from, and the
// sql_analytics exporter stores them with Store.WriteRollups. Like
// internal/factlog the encoding is lossless for every field the store uses
// (Decode(Encode(r)) == r is tested), so records may cross an OTLP hop.
//
// A rollup record carries no ccdash.fact.key: factlog.Decode does not take
// it for a fact.
package rolluplog

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// Attribute keys of rollup records. The window's dimensions travel in one
// map attribute, so they can never collide with these keys.
const (
	AttrEventName  = "event.name"
	AttrMetric     = "ccdash.rollup.metric"
	AttrUnit       = "ccdash.rollup.unit"
	AttrPeriod     = "ccdash.period"
	AttrTZ         = "ccdash.period.tz"
	AttrStart      = "ccdash.period.start_unix_ms"
	AttrEnd        = "ccdash.period.end_unix_ms"
	AttrSince      = "ccdash.rollup.since_unix_ms"
	AttrIncomplete = "ccdash.rollup.incomplete"
	AttrEmpty      = "ccdash.rollup.empty"
	AttrValueInt   = "ccdash.rollup.value_int"
	AttrValue      = "ccdash.rollup.value"
	AttrDimensions = "ccdash.rollup.attributes"
)

// Record is one window of one metric and dimension set: its absolute total
// so far (store.RollupEntry of kind sum). The resource travels as the
// record's resource.
type Record struct {
	Metric string
	Unit   string
	Period string // hourly, daily or weekly
	TZ     string // IANA zone of the window bounds
	Start  time.Time
	End    time.Time // exclusive
	// Observed is the newest event time counted in the window; a stored
	// total is never replaced by one observed earlier.
	Observed time.Time
	// Since is where complete coverage of the metric and period begins;
	// zero: unknown (the record adds no coverage).
	Since time.Time
	// Incomplete marks a gap: the window closed before an event for it
	// arrived. It carries no value.
	Incomplete bool
	// Empty marks a window that no longer counts anything (its facts' kept
	// copies moved to other windows): the stored entry is removed, as the
	// fact-backed series has no point there. It carries no value.
	Empty bool
	// Int is the exact value of an integer sum; nil for a double sum,
	// whose value is Value.
	Int   *int64
	Value float64
	// Attributes are the dimensions (model, type, tool, status, ...).
	Attributes map[string]string
}

// Encode appends r to lr.
func Encode(r *Record, lr plog.LogRecord) {
	lr.SetTimestamp(pcommon.NewTimestampFromTime(r.Observed))
	lr.SetEventName(facts.EventRollup)
	a := lr.Attributes()
	a.EnsureCapacity(12)
	a.PutStr(AttrEventName, facts.EventRollup)
	a.PutStr(AttrMetric, r.Metric)
	if r.Unit != "" {
		a.PutStr(AttrUnit, r.Unit)
	}
	a.PutStr(AttrPeriod, r.Period)
	a.PutStr(AttrTZ, r.TZ)
	a.PutInt(AttrStart, r.Start.UnixMilli())
	a.PutInt(AttrEnd, r.End.UnixMilli())
	if !r.Since.IsZero() {
		a.PutInt(AttrSince, r.Since.UnixMilli())
	}
	if r.Incomplete {
		a.PutBool(AttrIncomplete, true)
	}
	if r.Empty {
		a.PutBool(AttrEmpty, true)
	}
	if r.Int != nil {
		a.PutInt(AttrValueInt, *r.Int)
	} else {
		a.PutDouble(AttrValue, r.Value)
	}
	dims := a.PutEmptyMap(AttrDimensions)
	dims.EnsureCapacity(len(r.Attributes))
	for k, v := range r.Attributes {
		dims.PutStr(k, v)
	}
}

// IsRollup reports whether lr is a rollup record.
func IsRollup(lr plog.LogRecord) bool {
	if lr.EventName() == facts.EventRollup {
		return true
	}
	v, ok := lr.Attributes().Get(AttrEventName)
	return ok && v.Str() == facts.EventRollup
}

// Decode reads a rollup record; ok is false for other records and for
// rollup records without a metric, period or window.
func Decode(lr plog.LogRecord) (r Record, ok bool) {
	if !IsRollup(lr) {
		return r, false
	}
	a := lr.Attributes()
	r.Metric = getStr(a, AttrMetric)
	r.Unit = getStr(a, AttrUnit)
	r.Period = getStr(a, AttrPeriod)
	r.TZ = getStr(a, AttrTZ)
	start, okS := getInt(a, AttrStart)
	end, okE := getInt(a, AttrEnd)
	if r.Metric == "" || r.Period == "" || !okS || !okE {
		return r, false
	}
	r.Start, r.End = time.UnixMilli(start).UTC(), time.UnixMilli(end).UTC()
	r.Observed = lr.Timestamp().AsTime().UTC()
	if since, ok := getInt(a, AttrSince); ok {
		r.Since = time.UnixMilli(since).UTC()
	}
	if v, ok := a.Get(AttrIncomplete); ok && v.Type() == pcommon.ValueTypeBool {
		r.Incomplete = v.Bool()
	}
	if v, ok := a.Get(AttrEmpty); ok && v.Type() == pcommon.ValueTypeBool {
		r.Empty = v.Bool()
	}
	if v, ok := getInt(a, AttrValueInt); ok {
		r.Int = &v
		r.Value = float64(v)
	} else if v, ok := a.Get(AttrValue); ok {
		switch v.Type() {
		case pcommon.ValueTypeDouble:
			r.Value = v.Double()
		case pcommon.ValueTypeInt:
			r.Value = float64(v.Int())
		}
	}
	r.Attributes = map[string]string{}
	if v, ok := a.Get(AttrDimensions); ok && v.Type() == pcommon.ValueTypeMap {
		for k, d := range v.Map().All() {
			r.Attributes[k] = d.AsString()
		}
	}
	return r, true
}

// DecodeAll returns the rollup records of ld with their resource
// attributes, in order.
func DecodeAll(ld plog.Logs) (out []Record, resources []map[string]string) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		var res map[string]string
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				r, ok := Decode(lrs.At(k))
				if !ok {
					continue
				}
				if res == nil {
					res = map[string]string{}
					for k, v := range rls.At(i).Resource().Attributes().All() {
						res[k] = v.AsString()
					}
				}
				out = append(out, r)
				resources = append(resources, res)
			}
		}
	}
	return out, resources
}

func getStr(a pcommon.Map, k string) string {
	if v, ok := a.Get(k); ok {
		return v.AsString()
	}
	return ""
}

// getInt accepts ints and doubles: a record that crossed an OTLP/JSON hop may
// carry numbers as either.
func getInt(a pcommon.Map, k string) (int64, bool) {
	v, ok := a.Get(k)
	if !ok {
		return 0, false
	}
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		return int64(v.Double()), true
	}
	return 0, false
}
