// Package dashboards generates the Grafana dashboards shipped in
// deploy/observability/grafana/dashboards with the Grafana Foundation SDK.
//
// Dashboards are code so every panel query can be reviewed, diffed and
// executed by test/panels against a real Prometheus and PostgreSQL fed by the
// built collector. The committed JSON must equal the generator's output
// (TestCommittedJSONIsGenerated); regenerate with `make dashboards`.
//
// Queries use only the Grafana variables and macros that test/panels expands
// ($__range, $__rate_interval, $__interval, $model, ${model:regex},
// $__unixEpochFilter, $__unixEpochFrom, $__unixEpochTo, $__unixEpochGroupAlias),
// so a query the test cannot run cannot ship.
package dashboards

//go:generate go run ../../cmd/ccdash-dashboards -out ../../deploy/observability/grafana/dashboards
