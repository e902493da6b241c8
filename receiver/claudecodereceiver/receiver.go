package claudecodereceiver // import "github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/traces"
	"github.com/ccdash/otelcol-ccdash/internal/transcript"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/ingest"
	"github.com/ccdash/otelcol-ccdash/receiver/claudecodereceiver/internal/metadata"
)

// claudeCodeReceiver is shared by the logs and metrics pipelines of one
// configuration: one reader, one set of checkpoints, both signals.
// releaseIdleAfter is when the parse state of a transcript read to its end
// is dropped (ingest.Settings.ReleaseIdle): an hour without a write.
const releaseIdleAfter = time.Hour

type claudeCodeReceiver struct {
	cfg      *Config
	settings receiver.Settings
	obsrecv  *receiverhelper.ObsReport
	hostName string

	logs    consumer.Logs
	metrics consumer.Metrics
	traces  consumer.Traces
	spans   *traces.Builder // set with traces: turns accepted batches into spans

	startOnce    sync.Once
	startErr     error
	shutdownOnce sync.Once
	cancel       context.CancelFunc
	done         chan struct{}
	client       storage.Client
	telemetry    *metadata.TelemetryBuilder
	usage        *usageMetrics
	unpriced     *unpricedWatch
	projects     *projectSet   // project folders seen in transcripts (progress.go)
	progressDone chan struct{} // closed when the progress watcher stopped
}

// receivers maps a config to its one receiver instance (the collector's
// sharedcomponent pattern; that package is internal to the collector).
var receivers = &sharedReceivers{m: map[*Config]*claudeCodeReceiver{}}

type sharedReceivers struct {
	mu sync.Mutex
	m  map[*Config]*claudeCodeReceiver
}

func (s *sharedReceivers) getOrCreate(cfg *Config, set receiver.Settings) (*claudeCodeReceiver, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.m[cfg]; ok {
		return r, nil
	}
	obs, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID: set.ID, Transport: "file", ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	host := cfg.HostName
	if host == "" {
		host, _ = os.Hostname()
	}
	r := &claudeCodeReceiver{cfg: cfg, settings: set, obsrecv: obs, hostName: host}
	r.usage = newUsageMetrics(set)
	r.unpriced = newUnpricedWatch()
	r.projects = newProjectSet()
	s.m[cfg] = r
	return r, nil
}

func (s *sharedReceivers) remove(cfg *Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, cfg)
}

// Start resolves checkpoint storage and starts the read loop. It returns
// at once; backfill runs in the background.
func (r *claudeCodeReceiver) Start(ctx context.Context, host component.Host) error {
	r.startOnce.Do(func() { r.startErr = r.start(ctx, host) })
	return r.startErr
}

func (r *claudeCodeReceiver) start(ctx context.Context, host component.Host) error {
	persister, err := r.openStorage(ctx, host)
	if err != nil {
		return err
	}
	r.telemetry, err = metadata.NewTelemetryBuilder(r.settings.TelemetrySettings)
	if err != nil {
		return err
	}
	dirs := transcript.ProjectsDirs(splitDirs(r.cfg.ClaudeConfigDir))
	if len(dirs) == 0 {
		r.settings.Logger.Warn("No Claude Code projects folder found yet; will keep looking",
			zap.String("claude_config_dir", r.cfg.ClaudeConfigDir))
	} else {
		r.settings.Logger.Info("Reading Claude Code transcripts", zap.Strings("projects_dirs", dirs))
	}
	in := ingest.New(ingest.Settings{
		ConfigDirs:     splitDirs(r.cfg.ClaudeConfigDir),
		PollInterval:   r.cfg.PollInterval,
		BatchFacts:     r.cfg.BatchSize,
		BatchBytes:     8 << 20,
		MaxLineSize:    r.cfg.MaxLineSize,
		IncludeContent: r.cfg.IncludeContent,
		Reporter:       r.hostName + "/" + r.settings.ID.String(),
		Logger:         r.settings.Logger,
		Persister:      persister,
		Emit:           r.emitLogs,
		Accepted:       r.acceptedTranscript,
		// One batch ahead: the pipeline's processors work on the next batch
		// while the exporter writes this one (see ingest.Settings).
		EmitAhead: 1,
		// Sessions untouched this long are finished in practice: their
		// parse state goes, so a caught-up collector's memory does not grow
		// with the history (rebuilt from the file if it is resumed).
		ReleaseIdle: releaseIdleAfter,
		Observer:    telemetryObserver{r.telemetry},
	})
	runCtx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		in.Run(runCtx)
	}()
	return r.startProgress(runCtx, persister)
}

func (r *claudeCodeReceiver) openStorage(ctx context.Context, host component.Host) (ingest.Persister, error) {
	if r.cfg.StorageID == nil {
		r.settings.Logger.Warn("No storage extension configured: checkpoints are kept in memory, so every start re-reads all history")
		return ingest.NewMemPersister(), nil
	}
	ext, ok := host.GetExtensions()[*r.cfg.StorageID]
	if !ok {
		return nil, fmt.Errorf("storage extension %q not found: add it under service.extensions", r.cfg.StorageID)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("extension %q is not a storage extension", r.cfg.StorageID)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, r.settings.ID, "")
	if err != nil {
		return nil, fmt.Errorf("get storage client: %w", err)
	}
	r.client = client
	return storagePersister{client}, nil
}

// Shutdown stops the read loop, waits for it, and closes the storage client.
func (r *claudeCodeReceiver) Shutdown(ctx context.Context) error {
	var err error
	r.shutdownOnce.Do(func() {
		defer receivers.remove(r.cfg)
		if r.cancel != nil {
			r.cancel()
			select {
			case <-r.done:
			case <-ctx.Done():
				err = ctx.Err()
			}
			err = errors.Join(err, r.waitProgress(ctx))
		}
		if r.client != nil {
			err = errors.Join(err, r.client.Close(ctx))
		}
		if r.telemetry != nil {
			r.telemetry.Shutdown()
		}
	})
	return err
}

func splitDirs(s string) []string {
	var out []string
	for _, d := range strings.Split(s, ",") {
		if d = strings.TrimSpace(d); d != "" {
			out = append(out, d)
		}
	}
	return out
}
