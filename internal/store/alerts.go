package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrConflict is returned when creating an entity whose id is taken.
var ErrConflict = errors.New("already exists")

// AlertRule is a stored alert rule (table alerts). Validation lives in
// internal/alerts; the store keeps what it is given.
type AlertRule struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Metric    string  `json:"metric"`
	Operator  string  `json:"operator"`
	Threshold float64 `json:"threshold"` // display unit: dollars for money
	Period    string  `json:"period"`    // hourly | daily | weekly
	TZ        string  `json:"tz"`
	Filters   Filters `json:"filters"`
	Enabled   bool    `json:"enabled"`
	CreatedMs int64   `json:"-"`
	UpdatedMs int64   `json:"-"`
}

// AlertEvent is a state change of a rule in one period bucket.
type AlertEvent struct {
	AlertID     string    `json:"alert_id"`
	State       string    `json:"state"` // firing | resolved
	Bucket      string    `json:"bucket"`
	BucketStart time.Time `json:"bucket_start"`
	Value       Value     `json:"value"`
	Threshold   float64   `json:"threshold"`
	At          time.Time `json:"at"` // when the evaluator first saw it
}

// Alert event states.
const (
	AlertFiring   = "firing"
	AlertResolved = "resolved"
)

const alertColumns = "id, name, metric, operator, threshold, period, tz, filters_json, enabled, created_ms, updated_ms"

func scanAlert(sc interface{ Scan(...any) error }) (AlertRule, error) {
	var r AlertRule
	var filters string
	var enabled int64
	if err := sc.Scan(&r.ID, &r.Name, &r.Metric, &r.Operator, &r.Threshold, &r.Period, &r.TZ, &filters, &enabled,
		&r.CreatedMs, &r.UpdatedMs); err != nil {
		return r, err
	}
	r.Enabled = enabled != 0
	if err := json.Unmarshal([]byte(filters), &r.Filters); err != nil {
		return r, fmt.Errorf("alert %s: filters: %w", r.ID, err)
	}
	return r, nil
}

func filtersJSON(f Filters) string {
	if len(f) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(f) // map[string][]string always marshals; keys sorted
	return string(b)
}

// CreateAlert stores a new rule; ErrConflict when its id is taken.
func (s *Store) CreateAlert(ctx context.Context, r AlertRule) error {
	res, err := s.db.ExecContext(ctx, s.dialect.rebind("INSERT INTO alerts ("+alertColumns+
		") VALUES ("+placeholders(11)+") ON CONFLICT (id) DO NOTHING"),
		r.ID, r.Name, r.Metric, r.Operator, r.Threshold, r.Period, r.TZ, filtersJSON(r.Filters), boolInt(r.Enabled),
		r.CreatedMs, r.UpdatedMs)
	if err != nil {
		return fmt.Errorf("store: create alert: %w", err)
	}
	// Both drivers report 0 rows affected when the conflict clause skipped it.
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrConflict
	}
	return nil
}

// Alert reads one rule; ErrNotFound when there is none.
func (s *Store) Alert(ctx context.Context, id string) (AlertRule, error) {
	r, err := scanAlert(s.db.QueryRowContext(ctx, s.dialect.rebind("SELECT "+alertColumns+" FROM alerts WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("store: alert: %w", err)
	}
	return r, nil
}

// Alerts lists the rules by id.
func (s *Store) Alerts(ctx context.Context) ([]AlertRule, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+alertColumns+" FROM alerts ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: alerts: %w", err)
	}
	out := []AlertRule{}
	for rows.Next() {
		r, err := scanAlert(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: alerts: %w", err)
		}
		out = append(out, r)
	}
	return out, closeRows(rows)
}

// UpdateAlert replaces a rule's fields (not its id or creation time);
// ErrNotFound when there is none.
func (s *Store) UpdateAlert(ctx context.Context, r AlertRule) error {
	res, err := s.db.ExecContext(ctx, s.dialect.rebind(`UPDATE alerts SET name = ?, metric = ?, operator = ?,
    threshold = ?, period = ?, tz = ?, filters_json = ?, enabled = ?, updated_ms = ? WHERE id = ?`),
		r.Name, r.Metric, r.Operator, r.Threshold, r.Period, r.TZ, filtersJSON(r.Filters), boolInt(r.Enabled), r.UpdatedMs, r.ID)
	if err != nil {
		return fmt.Errorf("store: update alert: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAlert removes a rule and its events; ErrNotFound when there is none.
func (s *Store) DeleteAlert(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: delete alert: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, s.dialect.rebind("DELETE FROM alerts WHERE id = ?"), id)
	if err != nil {
		return fmt.Errorf("store: delete alert: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, s.dialect.rebind("DELETE FROM alert_events WHERE alert_id = ?"), id); err != nil {
		return fmt.Errorf("store: delete alert: %w", err)
	}
	return tx.Commit()
}

// AddAlertEvents stores events that are not stored yet (same rule, bucket
// and state) and returns how many were new.
func (s *Store) AddAlertEvents(ctx context.Context, evs []AlertEvent) (int, error) {
	if len(evs) == 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("store: alert events: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt := s.dialect.rebind(`INSERT INTO alert_events (alert_id, bucket_start, state, bucket, value_raw, value, threshold, fired_ms)
VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, bucket_start, state) DO NOTHING`)
	added := 0
	for _, e := range evs {
		res, err := tx.ExecContext(ctx, stmt, e.AlertID, e.BucketStart.UnixMilli(), e.State, e.Bucket, e.Value.raw,
			e.Value.Float(), e.Threshold, e.At.UnixMilli())
		if err != nil {
			return 0, fmt.Errorf("store: alert events: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil {
			added += int(n)
		}
	}
	return added, tx.Commit()
}

// AlertEventsQuery selects events; zero fields select everything.
type AlertEventsQuery struct {
	AlertID       string
	State         string
	Start, End    time.Time // on bucket_start
	Limit, Offset int
}

// AlertEvents lists events, newest bucket first (then rule id, state).
func (s *Store) AlertEvents(ctx context.Context, q AlertEventsQuery) ([]AlertEvent, error) {
	where := []string{"1 = 1"}
	var args []any
	if q.AlertID != "" {
		where, args = append(where, "e.alert_id = ?"), append(args, q.AlertID)
	}
	if q.State != "" {
		where, args = append(where, "e.state = ?"), append(args, q.State)
	}
	if !q.Start.IsZero() {
		where, args = append(where, "e.bucket_start >= ?"), append(args, q.Start.UnixMilli())
	}
	if !q.End.IsZero() {
		where, args = append(where, "e.bucket_start < ?"), append(args, q.End.UnixMilli())
	}
	query := `SELECT e.alert_id, e.state, e.bucket, e.bucket_start, e.value_raw, e.threshold, e.fired_ms,
    COALESCE(a.metric, '') FROM alert_events e LEFT JOIN alerts a ON a.id = e.alert_id
WHERE ` + strings.Join(where, " AND ") + " ORDER BY e.bucket_start DESC, e.alert_id, e.state"
	if q.Limit > 0 {
		query += fmt.Sprintf(" LIMIT %d", q.Limit)
		if q.Offset > 0 {
			query += fmt.Sprintf(" OFFSET %d", q.Offset)
		}
	} else if q.Offset > 0 {
		query += fmt.Sprintf(" LIMIT -1 OFFSET %d", q.Offset)
		if s.dialect == dialectPostgres {
			query = strings.Replace(query, "LIMIT -1 ", "", 1)
		}
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("store: alert events: %w", err)
	}
	out := []AlertEvent{}
	for rows.Next() {
		var e AlertEvent
		var start, at, raw int64
		var metric string
		if err := rows.Scan(&e.AlertID, &e.State, &e.Bucket, &start, &raw, &e.Threshold, &at, &metric); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: alert events: %w", err)
		}
		e.BucketStart, e.At = time.UnixMilli(start).UTC(), time.UnixMilli(at).UTC()
		e.Value = Value{raw: raw, nanos: metricDefs[metric].nanos}
		out = append(out, e)
	}
	return out, closeRows(rows)
}

// NewValue builds a metric's Value from its exact integer (nanodollars for
// money), for callers outside the store such as alert evaluation tests.
func NewValue(metric string, raw int64) Value {
	return Value{raw: raw, nanos: metricDefs[metric].nanos}
}

// IsMetric reports whether id is a known metric id.
func IsMetric(id string) bool {
	_, ok := metricDefs[id]
	return ok
}
