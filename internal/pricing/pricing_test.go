package pricing

import (
	"encoding/json"
	"testing"

	"github.com/ccdash/otelcol-ccdash/internal/facts"
)

func TestCost(t *testing.T) {
	tests := []struct {
		name   string
		model  string
		usage  facts.Usage
		speed  string
		want   int64
		wantOK bool
	}{
		{
			// A real 2.1.39 line (spotter 258c7280): 1h cache write.
			name:  "opus-4-6 1h write",
			model: "claude-opus-4-6",
			usage: facts.Usage{Input: 3, Output: 10, CacheCreate1h: 8037, CacheRead: 17842},
			// 3*5000 + 10*25000 + 8037*10000 + 17842*500
			want: 15_000 + 250_000 + 80_370_000 + 8_921_000, wantOK: true,
		},
		{
			name:  "haiku-4-5 5m vs 1h split",
			model: "claude-haiku-4-5-20251001",
			usage: facts.Usage{CacheCreate5m: 1000, CacheCreate1h: 1000},
			// 1000*1250 + 1000*2000
			want: 1_250_000 + 2_000_000, wantOK: true,
		},
		{
			name:  "sonnet-4-5 tiered per category",
			model: "claude-sonnet-4-5-20250929",
			usage: facts.Usage{Input: 250_000, Output: 1000, CacheCreate1h: 210_000, CacheRead: 300_000},
			want: (200_000*3000 + 50_000*6000) + // input
				1000*15000 + // output, below the threshold
				(200_000*6000 + 10_000*12000) + // 1h write at 2x input / 2x input above
				(200_000*300 + 100_000*600), // read
			wantOK: true,
		},
		{
			name:   "sonnet-4 tier starts strictly above 200k",
			model:  "claude-sonnet-4-20250514",
			usage:  facts.Usage{Input: 200_000, CacheCreate5m: 200_001},
			want:   200_000*3000 + (200_000*3750 + 1*7500),
			wantOK: true,
		},
		{
			name:   "opus-4 has no tier",
			model:  "claude-opus-4-20250514",
			usage:  facts.Usage{Input: 250_000},
			want:   250_000 * 15000,
			wantOK: true,
		},
		{
			name:   "fast multiplier opus-4-6",
			model:  "claude-opus-4-6",
			usage:  facts.Usage{Input: 100, Output: 100},
			speed:  "fast",
			want:   (100*5000 + 100*25000) * 6,
			wantOK: true,
		},
		{
			name:   "fast multiplier opus-4-8",
			model:  "claude-opus-4-8",
			usage:  facts.Usage{Output: 1},
			speed:  "fast",
			want:   25000 * 2,
			wantOK: true,
		},
		{
			name:   "fast without multiplier",
			model:  "claude-sonnet-4-6",
			usage:  facts.Usage{Output: 1},
			speed:  "fast",
			want:   15000,
			wantOK: true,
		},
		{
			name:   "standard speed",
			model:  "claude-opus-4-7",
			usage:  facts.Usage{Output: 1},
			speed:  "standard",
			want:   25000,
			wantOK: true,
		},
		{
			name:   "3 haiku cache read 0.03/M",
			model:  "claude-3-haiku-20240307",
			usage:  facts.Usage{CacheRead: 1_000_000},
			want:   30_000_000, // $0.03
			wantOK: true,
		},
		{
			name:   "3.5 haiku",
			model:  "claude-3-5-haiku-20241022",
			usage:  facts.Usage{Input: 1_000_000, Output: 1_000_000, CacheCreate5m: 1_000_000, CacheCreate1h: 1_000_000, CacheRead: 1_000_000},
			want:   (800 + 4000 + 1000 + 1600 + 80) * 1_000_000,
			wantOK: true,
		},
		{name: "synthetic", model: "<synthetic>", usage: facts.Usage{Input: 10}, want: 0, wantOK: true},
		{name: "unknown", model: "gpt-4o", usage: facts.Usage{Input: 10}, want: 0, wantOK: false},
		{name: "empty", model: "", usage: facts.Usage{Input: 10}, want: 0, wantOK: false},
	}
	tab := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tab.Cost(tt.model, tt.usage, tt.speed)
			if got != tt.want || ok != tt.wantOK {
				t.Fatalf("Cost = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		model string
		want  string // matched key; "" = not found
	}{
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"},
		{"claude-4-opus-20250514", "claude-4-opus-20250514"},                           // alias
		{"anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"},                           // provider prefix
		{"claude-opus-4-6[1m]", "claude-opus-4-6"},                                     // context suffix
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"}, // bedrock id, '.' normalized
		{"claude-sonnet-4-5@20250929", "claude-sonnet-4-5-20250929"},                   // vertex id, '@' normalized
		{"claude-opus-4-1-20990101", "claude-opus-4-1"},                                // unknown date snapshot
		{"claude-opus-4-9", ""},                                                        // another version, not opus-4
		{"claude-sonnet-4-7", ""},
		{"claude-opus-40", ""},
		{"gpt-5", ""},
	}
	tab := Default()
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			p, ok := tab.Lookup(tt.model)
			if tt.want == "" {
				if ok {
					t.Fatalf("Lookup(%q) matched %q, want no match", tt.model, p.Model)
				}
				return
			}
			if !ok || p.Model != tt.want {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", tt.model, p.Model, ok, tt.want)
			}
			// second call goes through the cache and must agree
			if p2, ok2 := tab.Lookup(tt.model); !ok2 || p2.Model != p.Model {
				t.Fatalf("cached Lookup differs: %q", p2.Model)
			}
		})
	}
}

// TestTableInvariants pins the semantics ccusage applies to every model: a 1h
// cache write costs 2x input (also in the >200k tier), and the table covers
// the models of transcript-format.md §11.
func TestTableInvariants(t *testing.T) {
	tab := Default()
	for _, k := range tab.Keys() {
		p := tab.prices[k]
		if p.CacheWrite1h.Base != 2*p.Input.Base {
			t.Errorf("%s: cache_write_1h %d != 2*input %d", k, p.CacheWrite1h.Base, p.Input.Base)
		}
		if p.Input.Tiered && p.CacheWrite1h.Above != 2*p.Input.Above {
			t.Errorf("%s: above_200k cache_write_1h %d != 2*input %d", k, p.CacheWrite1h.Above, p.Input.Above)
		}
	}
	for _, m := range []string{
		"claude-opus-4-5-20251101", "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8",
		"claude-opus-4-20250514", "claude-opus-4-1-20250805", "claude-3-opus-20240229",
		"claude-sonnet-4-20250514", "claude-sonnet-4-5-20250929", "claude-sonnet-4-6",
		"claude-3-7-sonnet-20250219", "claude-3-5-sonnet-20241022", "claude-3-5-sonnet-20240620",
		"claude-haiku-4-5-20251001", "claude-3-5-haiku-20241022", "claude-3-haiku-20240307",
	} {
		if _, ok := tab.prices[m]; !ok {
			t.Errorf("model %s missing from the table", m)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	tests := map[string]string{
		"sub-nano price":  `{"models":[{"ids":["m"],"input":0.0001,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1}]}`,
		"exponent":        `{"models":[{"ids":["m"],"input":1e-6,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1}]}`,
		"missing price":   `{"models":[{"ids":["m"],"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1}]}`,
		"duplicate id":    `{"models":[{"ids":["m"],"input":1,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1},{"ids":["m"],"input":1,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1}]}`,
		"no ids":          `{"models":[{"input":1,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1}]}`,
		"fractional fast": `{"models":[{"ids":["m"],"input":1,"output":1,"cache_write_5m":1,"cache_write_1h":1,"cache_read":1,"fast_multiplier":1.5}]}`,
		"not json":        `{`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Load([]byte(data)); err == nil {
				t.Fatal("Load succeeded, want error")
			}
		})
	}
}

func TestNanosPerToken(t *testing.T) {
	tests := map[string]int64{"5": 5000, "0.03": 30, "6.25": 6250, "0.080": 80, "22.5": 22500, "0": 0, "1.2500": 1250}
	for in, want := range tests {
		got, err := nanosPerToken(json.Number(in))
		if err != nil || got != want {
			t.Errorf("nanosPerToken(%s) = %d, %v; want %d", in, got, err, want)
		}
	}
}
