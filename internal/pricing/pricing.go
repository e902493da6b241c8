// Package pricing prices Claude API usage the way ccusage does with
// --offline, in integer nano-USD (1e-9 USD).
//
// Prices are kept per token in nano-USD. Every Claude price is a multiple of
// $0.001 per million tokens, i.e. an integer number of nano-USD per token
// ($0.03/M = 30 nano per token), so costs are exact int64 products and sums
// stay exact on every database (no float drift between SQLite, PostgreSQL
// and Prometheus).
//
// The semantics follow ccusage (shared/reference/transcript-format.md §11):
//
//	cost = ( tiered(input) + tiered(output) + tiered(cache write 5m)
//	       + tiered(cache write 1h) + tiered(cache read) ) * fast multiplier
//	tiered(n) = n > 200_000 && tier ? 200_000*base + (n-200_000)*above : n*base
//
// The 200k threshold is applied per token category per line, which is what
// ccusage does (an approximation of Anthropic's "request input > 200k" rule);
// matching ccusage exactly matters more here than matching the invoice.
package pricing

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

// SyntheticModel is the model name Claude Code writes on lines it generates
// itself (API error notices). They cost nothing.
const SyntheticModel = "<synthetic>"

// TierThreshold is the per-category token count above which the
// above-200k rate applies.
const TierThreshold = 200_000

//go:embed prices.json
var embeddedPrices []byte

// Rate is the nano-USD price of one token of one category.
type Rate struct {
	Base   int64 // nano-USD per token up to TierThreshold tokens
	Above  int64 // nano-USD per token beyond TierThreshold (only when Tiered)
	Tiered bool
}

// cost is ccusage's tiered_cost in integer arithmetic.
func (r Rate) cost(tokens int64) int64 {
	if tokens <= 0 {
		return 0
	}
	if r.Tiered && tokens > TierThreshold {
		return TierThreshold*r.Base + (tokens-TierThreshold)*r.Above
	}
	return tokens * r.Base
}

// Price is the resolved price of one model.
type Price struct {
	Model          string // the table key that matched
	Input          Rate
	Output         Rate
	CacheWrite5m   Rate
	CacheWrite1h   Rate
	CacheRead      Rate
	FastMultiplier int64 // applied to the whole cost when usage.speed == "fast"
}

// Cost prices one usage record.
func (p Price) Cost(u facts.Usage, speed string) int64 {
	n := p.Input.cost(u.Input) +
		p.Output.cost(u.Output) +
		p.CacheWrite5m.cost(u.CacheCreate5m) +
		p.CacheWrite1h.cost(u.CacheCreate1h) +
		p.CacheRead.cost(u.CacheRead)
	if speed == "fast" && p.FastMultiplier > 1 {
		n *= p.FastMultiplier
	}
	return n
}

// Table is an immutable price table; safe for concurrent use.
type Table struct {
	prices map[string]Price // every id and alias -> price
	keys   []string         // sorted keys, for the containment search

	mu    sync.RWMutex
	cache map[string]lookupResult // model -> resolved price (bounded)
}

type lookupResult struct {
	price Price
	ok    bool
}

// maxCachedModels bounds the lookup cache; real histories use a handful of
// model names, but the names come from untrusted input.
const maxCachedModels = 1024

var (
	defaultOnce  sync.Once
	defaultTable *Table
)

// Default returns the embedded table.
func Default() *Table {
	defaultOnce.Do(func() {
		t, err := Load(embeddedPrices)
		if err != nil {
			panic(fmt.Sprintf("pricing: embedded prices.json: %v", err))
		}
		defaultTable = t
	})
	return defaultTable
}

// Cost returns the cost of u in nano-USD. `<synthetic>` costs 0 and is
// reported as priced; an unknown model returns 0, false (ccusage prices it at
// 0 and flags it as missing).
func (t *Table) Cost(model string, u facts.Usage, speed string) (nanos int64, ok bool) {
	if model == SyntheticModel {
		return 0, true
	}
	p, ok := t.Lookup(model)
	if !ok {
		return 0, false
	}
	return p.Cost(u, speed), true
}

// Lookup resolves a model name: exact id or alias first, then the longest
// table key that contains, or is contained in, the model name at a name
// boundary (also after replacing '.' and '@' by '-'), as ccusage's
// PricingMap::find_entry does.
func (t *Table) Lookup(model string) (Price, bool) {
	if model == "" {
		return Price{}, false
	}
	if p, ok := t.prices[model]; ok {
		return p, true
	}
	t.mu.RLock()
	r, hit := t.cache[model]
	t.mu.RUnlock()
	if hit {
		return r.price, r.ok
	}
	r = t.search(model)
	t.mu.Lock()
	if len(t.cache) < maxCachedModels {
		t.cache[model] = r
	}
	t.mu.Unlock()
	return r.price, r.ok
}

func (t *Table) search(model string) lookupResult {
	normalized := normalizeKey(model)
	best := ""
	for _, k := range t.keys {
		if !keyMatches(k, model, normalized) {
			continue
		}
		// Longest key wins; ties go to the lexicographically smaller key
		// (ccusage: max_by(len, then reverse lexical order)).
		if len(k) > len(best) || (len(k) == len(best) && k < best) {
			best = k
		}
	}
	if best == "" {
		return lookupResult{}
	}
	return lookupResult{price: t.prices[best], ok: true}
}

// Keys lists every model id and alias in the table, sorted.
func (t *Table) Keys() []string { return append([]string(nil), t.keys...) }
