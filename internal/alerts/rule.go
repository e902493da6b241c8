// Package alerts validates alert rules, evaluates them against the facts
// persisted in the store, and computes the built-in anomaly cards.
//
// A rule compares one metric's value per calendar period (hourly, daily or
// weekly in the rule's time zone, with the rule's filters) to a threshold.
// Evaluation is a function of persisted data only: every tick re-derives the
// state changes of each period in the lookback window and stores them with
// insert-if-absent, so restarts and repeated ticks never duplicate an event.
//
// State changes:
//   - firing: the first period whose value breaches the threshold after a
//     period that did not (or after a resolution);
//   - resolved: the first complete period that does not breach after a
//     firing one.
//
// Sums only grow while a period is open, so for > and >= the current
// (incomplete) period fires as soon as it breaches. For <, <= and == an
// open period proves nothing yet: those rules look at complete periods only.
// The state before the lookback window comes from the latest stored event,
// so a window that moves forward does not re-fire a long-running breach.
package alerts

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/ccdash/otelcol-ccdash/internal/store"
)

// Operators.
var operators = []string{">", ">=", "<", "<=", "=="}

// Periods a rule can be evaluated over.
var periods = []string{store.PeriodHourly, store.PeriodDaily, store.PeriodWeekly}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Validate checks a rule and fills defaults (tz UTC, period daily, an id
// when empty). The error is a *store.QueryError naming the bad field.
func Validate(r *store.AlertRule) error {
	if r.ID == "" {
		r.ID = NewID()
	}
	if !idPattern.MatchString(r.ID) {
		return bad("id", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	r.Name = strings.TrimSpace(r.Name)
	if r.Name == "" {
		return bad("name", "required")
	}
	if len(r.Name) > 200 {
		return bad("name", "at most 200 bytes")
	}
	if r.Metric == "" {
		return bad("metric", "required (one of %s)", strings.Join(store.Metrics(), ", "))
	}
	if !store.IsMetric(r.Metric) {
		return bad("metric", "unknown metric %q (one of %s)", r.Metric, strings.Join(store.Metrics(), ", "))
	}
	if !contains(operators, r.Operator) {
		return bad("operator", "unknown operator %q (one of %s)", r.Operator, strings.Join(operators, " "))
	}
	if math.IsNaN(r.Threshold) || math.IsInf(r.Threshold, 0) {
		return bad("threshold", "must be a finite number")
	}
	if r.Period == "" {
		r.Period = store.PeriodDaily
	}
	if !contains(periods, r.Period) {
		return bad("period", "unknown period %q (one of %s)", r.Period, strings.Join(periods, ", "))
	}
	if r.TZ == "" {
		r.TZ = "UTC"
	}
	if _, err := loadTZ(r.TZ); err != nil {
		return bad("tz", "unknown time zone %q: use an IANA name such as Europe/Paris", r.TZ)
	}
	if err := r.Filters.Validate(); err != nil {
		return bad("filters", "%v", err)
	}
	return nil
}

func loadTZ(name string) (*time.Location, error) {
	if strings.EqualFold(name, "Local") {
		return nil, &store.QueryError{Param: "tz", Msg: "Local is not allowed"}
	}
	return time.LoadLocation(name)
}

// NewID returns a random rule id.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "alert-" + hex.EncodeToString(b[:])
}

func bad(param, format string, args ...any) error {
	return &store.QueryError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// breaches compares a value (display unit) with the rule's threshold.
func breaches(op string, v, threshold float64) bool {
	switch op {
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	case "<":
		return v < threshold
	case "<=":
		return v <= threshold
	default:
		return v == threshold
	}
}

// firesWhileOpen reports operators whose breach in an open period is final
// (metric sums only grow).
func firesWhileOpen(op string) bool { return op == ">" || op == ">=" }
