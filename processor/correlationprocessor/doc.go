// Package correlationprocessor implements the correlation processor: it
// puts canonical correlation keys (project, session, root session, feature,
// task, commit, PR) on log records, metric data points and spans, infers
// feature/task/session/commit/PR links from the facts flowing through it and
// emits each new link as a ccdash.link log record.
//
//go:generate make -C ../.. mdatagen
package correlationprocessor // import "github.com/ccdash/otelcol-ccdash/processor/correlationprocessor"
