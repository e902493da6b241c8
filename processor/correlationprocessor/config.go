package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Config configures the correlation processor.
type Config struct {
	// TaskIDPatterns are regular expressions (Go syntax) matching task ids
	// in commit subjects, branch names, prompts and progress-file edits. A
	// pattern with a capture group yields its first group as the id.
	TaskIDPatterns []string `mapstructure:"task_id_patterns"`

	// ProgressDir is the folder, relative to a project, whose sub-folders
	// are features: edits of <project>/<progress_dir>/<feature>/... link
	// the session to <feature>.
	ProgressDir string `mapstructure:"progress_dir"`

	// MaxSessions and MaxTasks bound the remembered state (least recently
	// used out first); StateTTL forgets entries not used for that long.
	MaxSessions int           `mapstructure:"max_sessions"`
	MaxTasks    int           `mapstructure:"max_tasks"`
	StateTTL    time.Duration `mapstructure:"state_ttl"`

	// StorageID names a storage extension (e.g. file_storage) that keeps
	// the state across restarts. Without one a restart forgets it: links
	// already stored stay, and evidence seen again re-emits the same links.
	StorageID *component.ID `mapstructure:"storage"`

	_ struct{}
}

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if len(c.TaskIDPatterns) == 0 {
		errs = append(errs, errors.New("task_id_patterns must list at least one pattern"))
	}
	for i, p := range c.TaskIDPatterns {
		re, err := regexp.Compile(p)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("task_id_patterns[%d]: %w", i, err))
		case re.MatchString(""):
			errs = append(errs, fmt.Errorf("task_id_patterns[%d]: %q matches the empty string", i, p))
		}
	}
	if strings.Trim(c.ProgressDir, `/\ `) == "" {
		errs = append(errs, errors.New("progress_dir must not be empty"))
	}
	if c.MaxSessions <= 0 {
		errs = append(errs, fmt.Errorf("max_sessions must be positive, got %d", c.MaxSessions))
	}
	if c.MaxTasks <= 0 {
		errs = append(errs, fmt.Errorf("max_tasks must be positive, got %d", c.MaxTasks))
	}
	if c.StateTTL <= 0 {
		errs = append(errs, fmt.Errorf("state_ttl must be positive, got %s", c.StateTTL))
	}
	return errors.Join(errs...)
}
