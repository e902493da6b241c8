package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// tableFile is the on-disk shape of prices.json. Prices are USD per million
// tokens, written as plain decimals.
type tableFile struct {
	Models []modelEntry `json:"models"`
}

type modelEntry struct {
	IDs            []string    `json:"ids"`
	Aliases        []string    `json:"aliases"`
	Input          json.Number `json:"input"`
	Output         json.Number `json:"output"`
	CacheWrite5m   json.Number `json:"cache_write_5m"`
	CacheWrite1h   json.Number `json:"cache_write_1h"`
	CacheRead      json.Number `json:"cache_read"`
	Above200k      *tierEntry  `json:"above_200k"`
	FastMultiplier json.Number `json:"fast_multiplier"`
}

type tierEntry struct {
	Input        json.Number `json:"input"`
	Output       json.Number `json:"output"`
	CacheWrite5m json.Number `json:"cache_write_5m"`
	CacheWrite1h json.Number `json:"cache_write_1h"`
	CacheRead    json.Number `json:"cache_read"`
}

// Load parses a price table in the prices.json format. Every price must be
// an exact number of nano-USD per token (at most 3 decimals in USD/M).
func Load(data []byte) (*Table, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var f tableFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	t := &Table{prices: map[string]Price{}, cache: map[string]lookupResult{}}
	for i, m := range f.Models {
		p, err := m.price()
		if err != nil {
			return nil, fmt.Errorf("models[%d] %v: %w", i, m.IDs, err)
		}
		if len(m.IDs) == 0 {
			return nil, fmt.Errorf("models[%d]: no ids", i)
		}
		for _, id := range append(append([]string{}, m.IDs...), m.Aliases...) {
			if id == "" {
				return nil, fmt.Errorf("models[%d]: empty id", i)
			}
			if _, dup := t.prices[id]; dup {
				return nil, fmt.Errorf("duplicate model id %q", id)
			}
			p.Model = id
			t.prices[id] = p
			t.keys = append(t.keys, id)
		}
	}
	sort.Strings(t.keys)
	return t, nil
}

func (m modelEntry) price() (Price, error) {
	var p Price
	var err error
	rates := []struct {
		dst   *Rate
		base  json.Number
		above func(*tierEntry) json.Number
		name  string
	}{
		{&p.Input, m.Input, func(t *tierEntry) json.Number { return t.Input }, "input"},
		{&p.Output, m.Output, func(t *tierEntry) json.Number { return t.Output }, "output"},
		{&p.CacheWrite5m, m.CacheWrite5m, func(t *tierEntry) json.Number { return t.CacheWrite5m }, "cache_write_5m"},
		{&p.CacheWrite1h, m.CacheWrite1h, func(t *tierEntry) json.Number { return t.CacheWrite1h }, "cache_write_1h"},
		{&p.CacheRead, m.CacheRead, func(t *tierEntry) json.Number { return t.CacheRead }, "cache_read"},
	}
	for _, r := range rates {
		if r.dst.Base, err = nanosPerToken(r.base); err != nil {
			return p, fmt.Errorf("%s: %w", r.name, err)
		}
		if m.Above200k == nil || r.above(m.Above200k) == "" {
			continue
		}
		if r.dst.Above, err = nanosPerToken(r.above(m.Above200k)); err != nil {
			return p, fmt.Errorf("above_200k.%s: %w", r.name, err)
		}
		r.dst.Tiered = true
	}
	p.FastMultiplier = 1
	if m.FastMultiplier != "" {
		v, err := m.FastMultiplier.Int64()
		if err != nil || v < 1 {
			return p, fmt.Errorf("fast_multiplier %q: must be a positive integer", m.FastMultiplier)
		}
		p.FastMultiplier = v
	}
	return p, nil
}

// nanosPerToken converts a USD-per-million-tokens decimal into nano-USD per
// token (x 1000) without going through float64.
func nanosPerToken(n json.Number) (int64, error) {
	s := string(n)
	if s == "" {
		return 0, errors.New("missing price")
	}
	if strings.ContainsAny(s, "eE+-") {
		return 0, fmt.Errorf("%q: write prices as plain non-negative decimals", s)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > 3 {
		return 0, fmt.Errorf("%q USD/M is not a whole number of nano-USD per token", s)
	}
	frac += strings.Repeat("0", 3-len(frac))
	var v int64
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q: not a decimal", s)
		}
		v = v*10 + int64(c-'0')
		if v > 1e15 {
			return 0, fmt.Errorf("%q: out of range", s)
		}
	}
	return v, nil
}
