package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config configures the claude_code receiver.
type Config struct {
	// ClaudeConfigDir lists Claude Code configuration directories, comma
	// separated, exactly like CLAUDE_CONFIG_DIR: each entry may be the config
	// directory or its projects/ folder. Empty means ~/.config/claude and
	// ~/.claude (both are scanned, as Claude Code has written to either).
	ClaudeConfigDir string `mapstructure:"claude_config_dir"`

	// PollInterval is how often new files and new lines are looked for
	// once the backfill is done.
	PollInterval time.Duration `mapstructure:"poll_interval"`

	// BatchSize is the number of facts sent to the pipeline at once. One
	// batch is one database transaction downstream.
	BatchSize int `mapstructure:"batch_size"`

	// MaxLineSize is the longest transcript line read, in bytes; longer
	// lines (e.g. huge inline images) are skipped and counted as bad lines.
	MaxLineSize int `mapstructure:"max_line_size"`

	// IncludeContent keeps prompts and tool inputs/outputs in the facts'
	// payloads (full fidelity). Set false to keep only numbers and names.
	IncludeContent bool `mapstructure:"include_content"`

	// StorageID names a storage extension (e.g. file_storage) for read
	// checkpoints. Without one every start re-reads the whole history:
	// correct, because writes are idempotent, but slow.
	StorageID *component.ID `mapstructure:"storage"`

	// HostName is the host.name resource attribute of everything the
	// receiver emits; empty means the machine's hostname. Agents forwarding
	// to one gateway are told apart by it.
	HostName string `mapstructure:"host_name"`

	// ServiceName is the service.name resource attribute of the logs and
	// metrics the receiver emits; empty means "claude-code", the name
	// Claude Code's own telemetry uses, so dashboards work on both.
	ServiceName string `mapstructure:"service_name"`

	// Progress configures the progress-file watcher: features and tasks
	// from progress markdown files (progress.go).
	Progress ProgressConfig `mapstructure:"progress"`

	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.PollInterval <= 0 {
		errs = append(errs, fmt.Errorf("poll_interval must be positive, got %s", c.PollInterval))
	}
	if c.BatchSize <= 0 {
		errs = append(errs, fmt.Errorf("batch_size must be positive, got %d", c.BatchSize))
	}
	if c.MaxLineSize < 1024 {
		errs = append(errs, fmt.Errorf("max_line_size must be at least 1024 bytes, got %d", c.MaxLineSize))
	}
	errs = append(errs, c.Progress.validate()...)
	return errors.Join(errs...)
}
