-- ccdash store, SQLite dialect, version 4: calendar-window rollups written by
-- the sql_analytics exporter from the rollup processor's points. Keep in step
-- with ../postgres/0004_rollups.sql.
--
-- analytics_entries holds one row per (metric, period, tz, bucket, dimension
-- set). entry_key is a hash of exactly those, and a write replaces the row:
-- the processor emits each window's absolute total, so a replayed or
-- re-delivered point rewrites the same value instead of adding to it.
-- value is the sum (histograms: the sum of observations); value_int is the
-- exact integer when the metric is integer-valued (NULL otherwise);
-- value_count is a histogram's observation count (0 for sums).
CREATE TABLE analytics_entries (
    entry_key      TEXT    NOT NULL PRIMARY KEY,
    metric         TEXT    NOT NULL,
    period         TEXT    NOT NULL, -- point | hourly | daily | weekly
    tz             TEXT    NOT NULL,
    bucket_start   INTEGER NOT NULL, -- unix ms
    bucket_end     INTEGER NOT NULL, -- unix ms, exclusive
    kind           TEXT    NOT NULL, -- sum | histogram
    unit           TEXT    NOT NULL DEFAULT '',
    value          REAL    NOT NULL,
    value_int      INTEGER,
    value_count    INTEGER NOT NULL DEFAULT 0,
    histogram_json TEXT    NOT NULL DEFAULT '',
    metadata_json  TEXT    NOT NULL CHECK (metadata_json <> ''),
    observed_at    INTEGER NOT NULL  -- unix ms of the latest point in the window
);
CREATE INDEX analytics_entries_lookup ON analytics_entries (metric, period, tz, bucket_start);

-- One row per entity an entry is scoped to (model, project, session, tool, ...).
CREATE TABLE analytics_entity_links (
    entry_key   TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    PRIMARY KEY (entry_key, entity_type, entity_id)
);
CREATE INDEX analytics_entity_links_entity ON analytics_entity_links (entity_type, entity_id);

-- What the rollups cover, per metric, period and time zone: every window in
-- [since_ms, until_ms) was seen whole by the processor, except the windows
-- listed in analytics_rollup_gaps (a point arrived after its window closed).
CREATE TABLE analytics_rollup_coverage (
    metric   TEXT    NOT NULL,
    period   TEXT    NOT NULL,
    tz       TEXT    NOT NULL,
    since_ms INTEGER NOT NULL,
    until_ms INTEGER NOT NULL,
    PRIMARY KEY (metric, period, tz)
);
CREATE TABLE analytics_rollup_gaps (
    metric       TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    tz           TEXT    NOT NULL,
    bucket_start INTEGER NOT NULL,
    PRIMARY KEY (metric, period, tz, bucket_start)
);
