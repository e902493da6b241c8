package ccusage_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/ccusage"
	"github.com/ccdash/otelcol-ccdash/internal/ccusage/ccusagetest"
)

// sampleReport is real `ccusage claude daily --json --offline --breakdown`
// output of ccusage 20.0.24 (trimmed to one day).
const sampleReport = `{
  "daily": [
    {
      "cacheCreationTokens": 40127,
      "cacheReadTokens": 522629,
      "date": "2026-02-10",
      "inputTokens": 1600,
      "modelBreakdowns": [
        {"cacheCreationTokens": 25842, "cacheReadTokens": 427286, "cost": 0.5195930000000001,
         "inputTokens": 1576, "modelName": "claude-opus-4-6", "outputTokens": 1586},
        {"cacheCreationTokens": 14285, "cacheReadTokens": 95343, "cost": 0.0381633,
         "inputTokens": 24, "modelName": "claude-haiku-4-5-20251001", "outputTokens": 7}
      ],
      "modelsUsed": ["claude-opus-4-6", "claude-haiku-4-5-20251001"],
      "outputTokens": 1593,
      "totalCost": 0.5577563,
      "totalTokens": 565949
    }
  ],
  "totals": {"cacheCreationTokens": 40127, "cacheReadTokens": 522629, "inputTokens": 1600,
             "outputTokens": 1593, "totalCost": 0.5577563, "totalTokens": 565949}
}`

func TestParseReport(t *testing.T) {
	r, err := ccusage.ParseReport([]byte(sampleReport))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Daily) != 1 || r.Daily[0].Date != "2026-02-10" || len(r.Daily[0].ModelBreakdowns) != 2 {
		t.Fatalf("unexpected report: %+v", r)
	}
	b := r.Daily[0].ModelBreakdowns[1]
	want := ccusage.ModelBreakdown{ModelName: "claude-haiku-4-5-20251001", InputTokens: 24, OutputTokens: 7,
		CacheCreationTokens: 14285, CacheReadTokens: 95343, Cost: 0.0381633}
	if b != want {
		t.Fatalf("breakdown = %+v, want %+v", b, want)
	}
	if r.Totals.TotalTokens != 565949 || r.Totals.TotalCost != 0.5577563 {
		t.Fatalf("totals = %+v", r.Totals)
	}
}

func TestParseReportErrors(t *testing.T) {
	for name, in := range map[string]string{
		"not json":      "Error: CliError(\"No valid Claude data directories found\")",
		"no daily list": `{"totals":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ccusage.ParseReport([]byte(in)); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestDailyArgs(t *testing.T) {
	got := strings.Join(ccusage.DailyArgs("UTC"), " ")
	if got != "claude daily --json --offline --breakdown --timezone UTC" {
		t.Fatalf("args = %q", got)
	}
	if strings.Contains(strings.Join(ccusage.DailyArgs(""), " "), "timezone") {
		t.Fatal("empty tz must not pass --timezone")
	}
}

// usage builds a 2.1.x message.usage object.
func usage(in, out, cc5m, cc1h, read int) map[string]any {
	return map[string]any{
		"input_tokens": in, "cache_creation_input_tokens": cc5m + cc1h, "cache_read_input_tokens": read,
		"cache_creation": map[string]any{"ephemeral_5m_input_tokens": cc5m, "ephemeral_1h_input_tokens": cc1h},
		"output_tokens":  out, "service_tier": "standard",
	}
}

func assistant(session, id, req, model, ts string, sidechain bool, u map[string]any) map[string]any {
	return map[string]any{
		"parentUuid": nil, "isSidechain": sidechain, "userType": "external", "cwd": "/home/dev/demo",
		"sessionId": session, "version": "2.1.39", "gitBranch": "main",
		"message": map[string]any{"model": model, "id": id, "type": "message", "role": "assistant",
			"content": []any{map[string]any{"type": "text", "text": "ok"}}, "stop_reason": nil, "stop_sequence": nil, "usage": u},
		"requestId": req, "type": "assistant", "uuid": id + ts, "timestamp": ts,
	}
}

func writeJSONL(t *testing.T, path string, lines ...map[string]any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, l := range lines {
		b, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tinyTree writes one session that exercises what ccusage must get right:
// a streaming split (keep the max output_tokens), a subagent response seen
// both in its own file and as an agent_progress copy (count once), a
// <synthetic> line (never a model) and a midnight crossing (time zones).
func tinyTree(t *testing.T) string {
	dir := t.TempDir()
	const sid = "6f0f5a8e-2c0e-4b7e-9d6e-0a1b2c3d4e5f"
	proj := filepath.Join(dir, "projects", "-home-dev-demo")
	opus, haiku := "claude-opus-4-6", "claude-haiku-4-5-20251001"

	sub := assistant(sid, "msg_C", "req_C", haiku, "2026-03-02T00:00:10.000Z", true, usage(2, 80, 0, 500, 3000))
	progressCopy := map[string]any{
		"parentUuid": nil, "isSidechain": false, "userType": "external", "cwd": "/home/dev/demo",
		"sessionId": sid, "version": "2.1.39", "gitBranch": "main", "type": "progress",
		"data": map[string]any{"message": map[string]any{"type": "assistant", "timestamp": "2026-03-02T00:00:10.000Z",
			"message": sub["message"], "requestId": "req_C", "uuid": "u-copy"},
			"normalizedMessages": []any{}, "type": "agent_progress", "prompt": "look", "agentId": "a1b2c3d"},
		"toolUseID": "agent_msg_X", "parentToolUseID": "toolu_X", "uuid": "u-progress", "timestamp": "2026-03-02T00:00:10.001Z",
	}
	synthetic := assistant(sid, "9d1c1f8e-0000-4000-8000-000000000001", "", "<synthetic>", "2026-03-02T00:01:00.000Z", false, usage(0, 0, 0, 0, 0))
	delete(synthetic, "requestId")
	synthetic["isApiErrorMessage"] = true

	writeJSONL(t, filepath.Join(proj, sid+".jsonl"),
		assistant(sid, "msg_A", "req_A", opus, "2026-03-01T23:59:01.000Z", false, usage(3, 10, 100, 2000, 10000)),
		assistant(sid, "msg_A", "req_A", opus, "2026-03-01T23:59:02.000Z", false, usage(3, 10, 100, 2000, 10000)),
		assistant(sid, "msg_A", "req_A", opus, "2026-03-01T23:59:03.000Z", false, usage(3, 450, 100, 2000, 10000)),
		progressCopy,
		assistant(sid, "msg_B", "req_B", opus, "2026-03-02T00:00:30.000Z", false, usage(5, 200, 300, 0, 12000)),
		synthetic,
	)
	writeJSONL(t, filepath.Join(proj, sid, "subagents", "agent-a1b2c3d.jsonl"), sub)
	return dir
}

func TestDailyAgainstCCUsage(t *testing.T) {
	bin := ccusagetest.Binary(t)
	dir := tinyTree(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// Costs from the per-million prices in transcript-format.md §11:
	// opus-4-6 5/25, writes 6.25 (5m) / 10 (1h), read 0.5; haiku-4-5 1/5, 1.25/2, 0.1.
	type cell struct {
		in, out, cc, read int64
		cost              float64
	}
	opusA := cell{3, 450, 2100, 10000, (3*5 + 450*25 + 100*6.25 + 2000*10 + 10000*0.5) / 1e6}
	opusB := cell{5, 200, 300, 12000, (5*5 + 200*25 + 300*6.25 + 12000*0.5) / 1e6}
	haikuC := cell{2, 80, 500, 3000, (2*1 + 80*5 + 500*2 + 3000*0.1) / 1e6}
	sum := func(a, b cell) cell {
		return cell{a.in + b.in, a.out + b.out, a.cc + b.cc, a.read + b.read, a.cost + b.cost}
	}

	tests := []struct {
		tz   string
		want map[string]map[string]cell // day → model
	}{
		{"UTC", map[string]map[string]cell{
			"2026-03-01": {"claude-opus-4-6": opusA},
			"2026-03-02": {"claude-opus-4-6": opusB, "claude-haiku-4-5-20251001": haikuC},
		}},
		{"Asia/Tokyo", map[string]map[string]cell{
			"2026-03-02": {"claude-opus-4-6": sum(opusA, opusB), "claude-haiku-4-5-20251001": haikuC},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			r, err := ccusage.Daily(ctx, bin, dir, tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]map[string]cell{}
			for _, d := range r.Daily {
				got[d.Date] = map[string]cell{}
				for _, b := range d.ModelBreakdowns {
					got[d.Date][b.ModelName] = cell{b.InputTokens, b.OutputTokens, b.CacheCreationTokens, b.CacheReadTokens, b.Cost}
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("days = %v, want %v", got, tt.want)
			}
			for day, models := range tt.want {
				if len(got[day]) != len(models) {
					t.Fatalf("%s: models = %v, want %v", day, got[day], models)
				}
				for m, w := range models {
					g := got[day][m]
					if g.in != w.in || g.out != w.out || g.cc != w.cc || g.read != w.read {
						t.Errorf("%s %s tokens = %+v, want %+v", day, m, g, w)
					}
					if d := g.cost - w.cost; d > 1e-9 || d < -1e-9 {
						t.Errorf("%s %s cost = %.9f, want %.9f", day, m, g.cost, w.cost)
					}
				}
			}
			// The report agrees with itself through CompareSeries.
			if mm := ccusage.CompareSeries(r, r.Series()); len(mm) != 0 {
				t.Fatalf("self-compare: %v", mm)
			}
		})
	}
}

func TestDailyMissingConfigDir(t *testing.T) {
	bin := ccusagetest.Binary(t)
	_, err := ccusage.Daily(context.Background(), bin, filepath.Join(t.TempDir(), "nope"), "UTC")
	if err == nil || !strings.Contains(err.Error(), "No valid Claude data directories") {
		t.Fatalf("err = %v, want ccusage's no-data-directory error", err)
	}
}
