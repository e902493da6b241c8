package analyticsextension // import "github.com/ccdash/otelcol-ccdash/extension/analyticsextension"

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"
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
	// For sqlite it may be empty: the database is then <data_dir>/ccdash.db.
	DSN string `mapstructure:"dsn"`
	// DataDir holds the embedded SQLite database when dsn is empty.
	DataDir string `mapstructure:"data_dir"`
	// Alerts configures the alert evaluator.
	Alerts AlertsConfig `mapstructure:"alerts"`

	_ struct{}
}

// AlertsConfig configures the alert evaluator (internal/alerts): every
// interval it evaluates the enabled rules over the periods of the last
// lookback and stores new firing/resolved events.
type AlertsConfig struct {
	// Interval between evaluations; 0 disables the evaluator. Default 1m.
	Interval time.Duration `mapstructure:"interval"`
	// Lookback bounds the periods each evaluation looks at. Default 8 days
	// (a weekly rule then always sees its last complete week).
	Lookback time.Duration `mapstructure:"lookback"`
}

var (
	errNoEndpoint  = errors.New("endpoint must be set")
	errNoDSN       = errors.New("dsn must be set for postgres")
	errNoLocation  = errors.New("dsn or data_dir must be set for sqlite")
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
	if c.Alerts.Interval < 0 {
		errs = append(errs, errors.New("alerts::interval must not be negative"))
	}
	if c.Alerts.Lookback < 0 {
		errs = append(errs, errors.New("alerts::lookback must not be negative"))
	}
	switch {
	case c.Driver == DriverPostgres && c.DSN == "":
		errs = append(errs, errNoDSN)
	case c.Driver == DriverSQLite && c.DSN == "" && c.DataDir == "":
		errs = append(errs, errNoLocation)
	}
	return errors.Join(errs...)
}

// dataSource is the DSN the store opens.
func (c *Config) dataSource() string {
	if c.DSN == "" && c.Driver == DriverSQLite {
		return filepath.Join(c.DataDir, "ccdash.db")
	}
	return c.DSN
}

// Unmarshal decodes the whole config. Without it, the Unmarshal method of the
// squash-embedded confighttp.ServerConfig would be promoted to Config and
// decode only the HTTP keys, silently dropping driver, dsn and data_dir.
// confmap still runs the embedded ServerConfig's own Unmarshal for its part;
// because that custom step hides unused top-level keys from confmap, they are
// checked here so a typo (`dirver:`) is an error, as on other components.
func (c *Config) Unmarshal(conf *confmap.Conf) error {
	if err := checkKeys(conf, reflect.TypeOf(*c), ""); err != nil {
		return err
	}
	return conf.Unmarshal(c)
}

// checkKeys fails on keys of conf that no field of t (or of a struct-typed
// field declared in t itself, such as alerts) takes.
func checkKeys(conf *confmap.Conf, t reflect.Type, prefix string) error {
	known := map[string]reflect.StructField{}
	topLevelKeys(t, known)
	var unknown []string
	for k := range conf.ToStringMap() {
		f, ok := known[k]
		if !ok {
			unknown = append(unknown, prefix+k)
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() == t.PkgPath() {
			sub, err := conf.Sub(k)
			if err != nil {
				return err
			}
			if err := checkKeys(sub, f.Type, prefix+k+"::"); err != nil {
				return err
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("invalid keys: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// topLevelKeys adds the mapstructure keys of t's fields, descending into
// squash-embedded structs (confighttp.ServerConfig, confignet.AddrConfig).
func topLevelKeys(t reflect.Type, into map[string]reflect.StructField) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		switch {
		case strings.Contains(opts, "squash"):
			topLevelKeys(f.Type, into)
		case name == "-" || !f.IsExported():
		case name == "":
			into[strings.ToLower(f.Name)] = f
		default:
			into[name] = f
		}
	}
}
