// Package claudecodereceiver reads Claude Code session transcripts
// (~/.claude/projects/**/*.jsonl): it backfills the history, then tails it,
// and emits one log record per fact plus Claude Code's native metrics.
//
//go:generate make -C ../.. mdatagen
package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"
