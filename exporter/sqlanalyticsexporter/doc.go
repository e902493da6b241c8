// Package sqlanalyticsexporter writes the facts carried by log records into
// the SQL store owned by the analytics extension (SQLite or PostgreSQL).
//
//go:generate make -C ../.. mdatagen
package sqlanalyticsexporter // import "github.com/ccdash/otelcol-ccdash/exporter/sqlanalyticsexporter"
