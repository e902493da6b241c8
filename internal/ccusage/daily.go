package ccusage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Report is the output of `ccusage claude daily --json --breakdown`.
type Report struct {
	Daily  []Day  `json:"daily"`
	Totals Totals `json:"totals"`
}

// Day is one local-date bucket (date in the time zone passed with -z).
type Day struct {
	Date                string           `json:"date"` // YYYY-MM-DD
	InputTokens         int64            `json:"inputTokens"`
	OutputTokens        int64            `json:"outputTokens"`
	CacheCreationTokens int64            `json:"cacheCreationTokens"` // 5m + 1h writes
	CacheReadTokens     int64            `json:"cacheReadTokens"`
	TotalTokens         int64            `json:"totalTokens"`
	TotalCost           float64          `json:"totalCost"` // USD
	ModelsUsed          []string         `json:"modelsUsed"`
	ModelBreakdowns     []ModelBreakdown `json:"modelBreakdowns"`
}

// ModelBreakdown is one model's share of a Day. `<synthetic>` never appears.
type ModelBreakdown struct {
	ModelName           string  `json:"modelName"`
	InputTokens         int64   `json:"inputTokens"`
	OutputTokens        int64   `json:"outputTokens"`
	CacheCreationTokens int64   `json:"cacheCreationTokens"`
	CacheReadTokens     int64   `json:"cacheReadTokens"`
	Cost                float64 `json:"cost"` // USD
}

// Totals sums every Day.
type Totals struct {
	InputTokens         int64   `json:"inputTokens"`
	OutputTokens        int64   `json:"outputTokens"`
	CacheCreationTokens int64   `json:"cacheCreationTokens"`
	CacheReadTokens     int64   `json:"cacheReadTokens"`
	TotalTokens         int64   `json:"totalTokens"`
	TotalCost           float64 `json:"totalCost"`
}

// DailyArgs are the arguments Daily passes to bin. `claude daily` (not the
// top-level `daily`) restricts ccusage to Claude Code data; the top-level
// command would add "agent"/"metadata" fields and scan other tools' folders.
// --offline uses the pricing table embedded in the pinned release, which
// keeps results reproducible and needs no network.
func DailyArgs(tz string) []string {
	args := []string{"claude", "daily", "--json", "--offline", "--breakdown"}
	if tz != "" {
		args = append(args, "--timezone", tz)
	}
	return args
}

// Daily runs `ccusage claude daily --json --offline --breakdown -z <tz>` over
// the transcripts of claudeConfigDir (a folder holding projects/, or a comma
// separated list of them, exactly like CLAUDE_CONFIG_DIR) and parses the
// report. An empty tz means the system time zone.
func Daily(ctx context.Context, bin, claudeConfigDir, tz string) (Report, error) {
	cmd := exec.CommandContext(ctx, bin, DailyArgs(tz)...)
	cmd.Env = append(os.Environ(), "CLAUDE_CONFIG_DIR="+claudeConfigDir, "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return Report{}, fmt.Errorf("ccusage %s: %w: %s", strings.Join(cmd.Args[1:], " "), err,
			strings.TrimSpace(stderr.String()+" "+stdout.String()))
	}
	return ParseReport(stdout.Bytes())
}

// ParseReport decodes the JSON printed by `ccusage claude daily --json`.
func ParseReport(b []byte) (Report, error) {
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		return Report{}, fmt.Errorf("ccusage: decoding daily report: %w", err)
	}
	if r.Daily == nil {
		return Report{}, fmt.Errorf("ccusage: daily report has no \"daily\" array: %.200s", b)
	}
	return r, nil
}
