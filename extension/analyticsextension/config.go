package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/config/confighttp"
)

// Drivers supported by the store.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// Config configures the analytics extension: where the SQL store lives and
// where the HTTP API listens. The HTTP block is the collector's standard
// confighttp server config, so tls, cors, auth and middlewares work as on
// any other collector endpoint.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`

	// Driver selects the database: "sqlite" (embedded, default) or "postgres".
	Driver string `mapstructure:"driver"`
	// DSN is the SQLite file path (or "file:..." URI) for sqlite, or a
	// PostgreSQL connection string (postgres://user@host:5432/db) for postgres.
	DSN string `mapstructure:"dsn"`

	_ struct{}
}

var (
	errNoEndpoint  = errors.New("endpoint must be set")
	errNoDSN       = errors.New("dsn must be set")
	errUnknownKind = errors.New("driver must be \"sqlite\" or \"postgres\"")
)

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.NetAddr.Endpoint == "" {
		errs = append(errs, errNoEndpoint)
	}
	switch c.Driver {
	case DriverSQLite, DriverPostgres:
	default:
		errs = append(errs, fmt.Errorf("%w, got %q", errUnknownKind, c.Driver))
	}
	if c.DSN == "" {
		errs = append(errs, errNoDSN)
	}
	return errors.Join(errs...)
}
