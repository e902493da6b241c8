package store

import (
	"encoding/json"
	"strconv"
)

// Value is a metric value. It is kept as the exact integer the database
// summed (tokens, counts, or cost in nanodollars) and converted only when
// rendered, so both dialects produce the same bytes.
type Value struct {
	raw   int64
	nanos bool
	// ratio: raw is a fraction in billionths (rendered like money, but
	// not money); null: no value (a ratio of nothing), rendered as null.
	ratio, null bool
}

// ratioValue is num/den in billionths, rounded half up; null when den is 0.
// Computed from the exact integers, so every dialect renders the same bytes.
func ratioValue(num, den int64) Value {
	if den == 0 {
		return Value{ratio: true, null: true}
	}
	return Value{raw: (num*2_000_000_000/den + 1) / 2, nanos: true, ratio: true}
}

// Raw is the exact integer: a count, a token total or nanodollars.
func (v Value) Raw() int64 { return v.raw }

// IsMoney reports whether Raw is in nanodollars.
func (v Value) IsMoney() bool { return v.nanos && !v.ratio }

// IsNull reports a value that does not exist (a ratio with no denominator).
func (v Value) IsNull() bool { return v.null }

// Float is the value in its display unit (dollars for money).
func (v Value) Float() float64 {
	if v.nanos {
		return float64(v.raw) / 1e9
	}
	return float64(v.raw)
}

// MarshalJSON renders counts as integers, money as dollars and ratios as
// fractions.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.null {
		return []byte("null"), nil
	}
	if v.nanos {
		return json.Marshal(v.Float())
	}
	return strconv.AppendInt(nil, v.raw, 10), nil
}

// Minus is v - o in v's unit (exact: both are integers).
func (v Value) Minus(o Value) Value {
	return Value{raw: v.raw - o.raw, nanos: v.nanos, ratio: v.ratio, null: v.null || o.null}
}
