package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"

	"github.com/ccdash/otelcol-ccdash/internal/alerts"
	"github.com/ccdash/otelcol-ccdash/internal/api"
	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// StoreProvider is implemented by the analytics extension. The sql_analytics
// exporter finds the extension named in its config through
// host.GetExtensions() and writes into the store it provides, the same way
// receivers find a storage extension.
type StoreProvider interface {
	Store() *store.Store
}

type analytics struct {
	cfg      *Config
	settings extension.Settings

	store  *store.Store
	server *http.Server
	done   chan struct{}
	alerts *alerts.Scheduler
}

var _ StoreProvider = (*analytics)(nil)

func newAnalytics(cfg *Config, set extension.Settings) *analytics {
	return &analytics{cfg: cfg, settings: set}
}

// Store returns the open store; nil before Start.
func (a *analytics) Store() *store.Store { return a.store }

// Start opens the store (running migrations), then binds the API listener
// synchronously so a busy port fails the collector's start-up with a clear
// error instead of a silent background failure.
func (a *analytics) Start(ctx context.Context, host component.Host) error {
	dsn := a.cfg.dataSource()
	if a.cfg.Driver == DriverSQLite && !strings.HasPrefix(dsn, "file:") && dsn != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return fmt.Errorf("analytics: create database folder: %w", err)
		}
	}
	s, err := store.Open(ctx, store.Config{Driver: a.cfg.Driver, DSN: dsn})
	if err != nil {
		return fmt.Errorf("analytics: open %s store: %w", a.cfg.Driver, err)
	}
	a.store = s
	a.settings.Logger.Info("Analytics store ready", zap.String("driver", a.cfg.Driver), zap.String("dsn", redactDSN(dsn)))

	ln, err := a.cfg.ToListener(ctx)
	if err != nil {
		return errors.Join(fmt.Errorf("analytics: listen on %s: %w", a.cfg.NetAddr.Endpoint, err), a.closeStore())
	}
	a.server, err = a.cfg.ToServer(ctx, host.GetExtensions(), a.settings.TelemetrySettings, api.NewHandler(s))
	if err != nil {
		_ = ln.Close()
		return errors.Join(fmt.Errorf("analytics: http server: %w", err), a.closeStore())
	}
	a.done = make(chan struct{})
	go func() {
		defer close(a.done)
		if serr := a.server.Serve(ln); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(serr))
		}
	}()
	a.settings.Logger.Info("Analytics API listening", zap.String("endpoint", "http://"+ln.Addr().String()+"/api/analytics/status"))

	if a.cfg.Alerts.Interval > 0 {
		logger := a.settings.Logger
		a.alerts = alerts.NewScheduler(&alerts.Evaluator{Store: s, Lookback: a.cfg.Alerts.Lookback}, a.cfg.Alerts.Interval,
			func(err error) { logger.Warn("Alert evaluation failed", zap.Error(err)) })
		a.alerts.Start()
	}
	return nil
}

// Shutdown stops the alert evaluator and the HTTP server, then closes the
// store. Safe without Start.
func (a *analytics) Shutdown(ctx context.Context) error {
	var errs []error
	if a.alerts != nil {
		a.alerts.Stop() // cancels a running evaluation, so this is quick
		a.alerts = nil
	}
	if a.server != nil {
		errs = append(errs, a.server.Shutdown(ctx))
		select {
		case <-a.done:
		case <-ctx.Done():
			errs = append(errs, ctx.Err())
		}
		a.server = nil
	}
	errs = append(errs, a.closeStore())
	return errors.Join(errs...)
}

func (a *analytics) closeStore() error {
	if a.store == nil {
		return nil
	}
	err := a.store.Close()
	a.store = nil
	return err
}
