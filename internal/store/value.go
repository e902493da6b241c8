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
}

// Raw is the exact integer: a count, a token total or nanodollars.
func (v Value) Raw() int64 { return v.raw }

// IsMoney reports whether Raw is in nanodollars.
func (v Value) IsMoney() bool { return v.nanos }

// Float is the value in its display unit (dollars for money).
func (v Value) Float() float64 {
	if v.nanos {
		return float64(v.raw) / 1e9
	}
	return float64(v.raw)
}

// MarshalJSON renders counts as integers and money as dollars.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.nanos {
		return json.Marshal(v.Float())
	}
	return strconv.AppendInt(nil, v.raw, 10), nil
}
