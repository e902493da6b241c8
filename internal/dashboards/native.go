package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// Claude Code's native metric names as Prometheus exposes them. A collector
// prometheus exporter adds unit suffixes (claude_code_cost_usage_USD_total);
// Claude Code's own exporter drops them (claude_code_cost_usage_total). The
// selectors accept both, so this dashboard works on ccdash's transcript
// metrics, on native OTLP metrics through a collector, and on Claude Code's
// built-in Prometheus endpoint.
const (
	nativeTokens = `{__name__=~"claude_code_token_usage(_tokens)?_total", model=~"$model"}`
	nativeCost   = `{__name__=~"claude_code_cost_usage(_USD)?_total", model=~"$model"}`
)

// nativeMetrics is a Prometheus-only dashboard on Claude Code's native
// metric names (reference: Anthropic's monitoring guide).
func nativeMetrics() *dashboard.DashboardBuilder {
	return base("ccdash-native", "Claude Code · Usage (native metric names)",
		"Claude Code usage from the native OpenTelemetry metric names (claude_code.token.usage, claude_code.cost.usage, …), with or without unit suffixes.", "now-24h").
		WithVariable(modelVariable(`label_values({__name__=~"claude_code_token_usage(_tokens)?_total"}, model)`)).
		WithRow(row("Totals")).
		WithPanel(statPanel("Cost", "claude_code.cost.usage summed over models.", "currencyUSD", 6,
			promInstant("A", `sum(`+nativeCost+`)`, "cost"))).
		WithPanel(statPanel("Tokens", "claude_code.token.usage summed over types and models.", "short", 6,
			promInstant("A", `sum(`+nativeTokens+`)`, "tokens"))).
		WithPanel(statPanel("Sessions", "claude_code.session.count (every session start, subagents included).", "none", 4,
			promInstant("A", `sum(claude_code_session_count_total)`, "sessions"))).
		WithPanel(statPanel("Commits", "claude_code.commit.count.", "none", 4,
			promInstant("A", `sum(claude_code_commit_count_total)`, "commits"))).
		WithPanel(statPanel("Pull requests", "claude_code.pull_request.count.", "none", 4,
			promInstant("A", `sum(claude_code_pull_request_count_total)`, "pull requests"))).
		WithPanel(barGaugePanel("Tokens by type", "input, output, cacheRead, cacheCreation.", "short", 8, 8,
			promInstant("A", `sum by (type) (`+nativeTokens+`)`, "{{type}}"))).
		WithPanel(barGaugePanel("Cost by model", "Spend per model.", "currencyUSD", 8, 8,
			promInstant("A", `sum by (model) (`+nativeCost+`)`, "{{model}}"))).
		WithPanel(barGaugePanel("Lines of code", "claude_code.lines_of_code.count by type (added, removed).", "short", 8, 8,
			promInstant("A", `sum by (type) (claude_code_lines_of_code_count_total)`, "{{type}}"))).
		WithRow(row("Rates")).
		WithPanel(timeseriesPanel("Token rate by type", "Tokens per second.", "short", 12,
			promRange("A", `sum by (type) (rate(`+nativeTokens+`[$__rate_interval]))`, "{{type}}"))).
		WithPanel(timeseriesPanel("Cost rate by model", "USD per hour.", "currencyUSD", 12,
			promRange("A", `3600 * sum by (model) (rate(`+nativeCost+`[$__rate_interval]))`, "{{model}}")))
}
