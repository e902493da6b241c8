package dashboards

import "github.com/grafana/grafana-foundation-sdk/go/dashboard"

// ingestion: is the collector reading, is the store keeping up, how far
// behind is it. Prometheus has the collector's self-telemetry (job
// otelcol-ccdash-internal); PostgreSQL has what the store persisted
// (ingest_status is what /api/analytics/status reports).
func ingestion() *dashboard.DashboardBuilder {
	return base("ccdash-ingestion", "ccdash · Ingestion health and lag",
		"Transcript ingestion: backfill progress, lag, throughput, bad lines and store backpressure.", "now-6h").
		WithRow(row("Status")).
		WithPanel(statPanel("Collector up", "Both scrape targets of the collector (metrics and self-telemetry) answer.", "none", 4,
			promInstant("A", `min(up{job=~"otelcol-ccdash.*"})`, "up")).
			Mappings(yesNo())).
		WithPanel(statPanel("Backfill complete", "Every reporter finished reading the history present at its start.", "none", 4,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(MIN(backfill_complete), 0) AS backfill_complete
				FROM ingest_status`)).
			Mappings(yesNo())).
		WithPanel(statPanel("Ingest lag", "How long the oldest not-yet-read data has been waiting (largest over reporters).", "s", 4,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(MAX(lag_seconds), 0) AS lag_seconds
				FROM ingest_status`))).
		WithPanel(statPanel("Files caught up", "Transcript files read to their end, of all files found.", "none", 4,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(SUM(files_caught_up), 0) AS caught_up, COALESCE(SUM(files_total), 0) AS total
				FROM ingest_status`))).
		WithPanel(statPanel("Status age", "Seconds since a reporter last wrote its status; grows when the collector is stopped or stuck.", "s", 4,
			sqlQuery("A", sqlTable, `
				SELECT COALESCE(EXTRACT(EPOCH FROM now()) - MAX(updated_at) / 1000.0, 0) AS seconds_since_update
				FROM ingest_status`))).
		WithPanel(statPanel("Bad lines", "Transcript lines skipped because they were not valid JSON (counted, logged once per file).", "none", 4,
			promInstant("A", `sum(otelcol_receiver_claude_code_bad_lines) or vector(0)`, "bad lines"))).
		WithRow(row("Throughput")).
		WithPanel(timeseriesPanel("Read throughput", "Lines and bytes read from transcripts per second.", "short", 12,
			promRange("A", `sum(rate(otelcol_receiver_claude_code_lines_read[$__rate_interval]))`, "lines/s"),
			promRange("B", `sum(rate(otelcol_receiver_claude_code_bytes_read[$__rate_interval]))`, "bytes/s"))).
		WithPanel(timeseriesPanel("Log records into the pipeline", "Accepted vs refused records at the receiver: refused means the store did not take a batch (the receiver retries it).", "short", 12,
			promRange("A", `sum(rate(otelcol_receiver_accepted_log_records{receiver="claude_code"}[$__rate_interval]))`, "accepted/s"),
			promRange("B", `sum(rate(otelcol_receiver_refused_log_records{receiver="claude_code"}[$__rate_interval]))`, "refused/s"))).
		WithPanel(timeseriesPanel("Store exporter queue", "Batches waiting for the SQL store: a queue that stays full means the database is slower than ingestion.", "short", 12,
			promRange("A", `sum(otelcol_exporter_queue_size{exporter="sql_analytics"})`, "queued"),
			promRange("B", `sum(otelcol_exporter_queue_capacity{exporter="sql_analytics"})`, "capacity"))).
		WithPanel(timeseriesPanel("Read lag", "Age of the oldest transcript change the receiver has not read yet (0 when every file is read to its end), as the collector reports it after each batch.", "s", 12,
			promRange("A", `max(otelcol_receiver_claude_code_lag)`, "lag"))).
		WithPanel(timeseriesPanel("Facts stored by event time", "Facts in the store per event type, bucketed by when they happened.", "short", 12,
			sqlQuery("A", sqlTimeSeries, `
				SELECT $__unixEpochGroupAlias(bucket, $__interval), event_name AS metric, COUNT(*) AS value
				FROM telemetry_events
				WHERE $__unixEpochFilter(bucket)
				GROUP BY 1, 2
				ORDER BY 1`))).
		WithPanel(tablePanel("Newest fact per event type", "Age of the newest stored fact of each type: a stale row is a signal the collector stopped seeing that activity.", 24, 8,
			sqlQuery("A", sqlTable, `
				SELECT event_name,
				       COUNT(*) AS facts,
				       to_timestamp(MAX(occurred_at) / 1000.0) AS newest,
				       EXTRACT(EPOCH FROM now()) - MAX(occurred_at) / 1000.0 AS age_seconds
				FROM telemetry_events
				GROUP BY event_name
				ORDER BY event_name`)))
}
