package synth_test

import (
	"context"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/ccusage"
	"github.com/ccdash/otelcol-ccdash/internal/ccusage/ccusagetest"
	"github.com/ccdash/otelcol-ccdash/internal/synth"
)

// TestCCUsageAcceptsGeneratedHistory runs the real ccusage over a generated
// history: it must find every model with non-zero tokens and a cost, and its
// de-duplicated totals must equal the usage the generator says it wrote
// (which also proves every split response and subagent copy de-duplicates
// the way ccusage expects).
func TestCCUsageAcceptsGeneratedHistory(t *testing.T) {
	bin := ccusagetest.Binary(t)
	dir := t.TempDir()
	st, err := synth.Generate(context.Background(), synth.Config{OutDir: dir, Size: 6 << 20, Seed: 11, Days: 14})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	report, err := ccusage.Daily(ctx, bin, dir, "UTC")
	if err != nil {
		t.Fatal(err)
	}

	type totals struct{ in, out, cc, read int64 }
	got := map[string]totals{}
	cost := map[string]float64{}
	for _, d := range report.Daily {
		for _, b := range d.ModelBreakdowns {
			x := got[b.ModelName]
			got[b.ModelName] = totals{x.in + b.InputTokens, x.out + b.OutputTokens, x.cc + b.CacheCreationTokens, x.read + b.CacheReadTokens}
			cost[b.ModelName] += b.Cost
		}
	}
	if len(got) != len(synth.Models) {
		t.Errorf("ccusage reports models %v, want %v", got, synth.Models)
	}
	for _, m := range synth.Models {
		u := st.Usage[m]
		if u == nil {
			t.Fatalf("generator wrote nothing for %s", m)
		}
		want := totals{u.Input, u.Output, u.CacheCreation5m + u.CacheCreation1h, u.CacheRead}
		if got[m] != want {
			t.Errorf("%s: ccusage %+v, generator %+v", m, got[m], want)
		}
		if want.in == 0 || want.out == 0 || want.cc == 0 || want.read == 0 || cost[m] <= 0 {
			t.Errorf("%s: zero tokens or cost: %+v $%f", m, want, cost[m])
		}
	}
}
