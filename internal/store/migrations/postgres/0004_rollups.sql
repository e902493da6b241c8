-- ccdash store, PostgreSQL dialect, version 4: calendar-window rollups written by
-- the sql_analytics exporter from the rollup processor's points. Keep in step
-- with ../sqlite/0004_rollups.sql.
--
-- analytics_entries holds one row per (metric, period, tz, bucket, dimension
-- set). entry_key is a hash of exactly those, and a write replaces the row:
-- the processor emits each window's absolute total, so a replayed or
-- re-delivered point rewrites the same value instead of adding to it.
-- value is the sum (histograms: the sum of observations); value_int is the
-- exact integer when the metric is integer-valued (NULL otherwise);
-- value_count is a histogram's observation count (0 for sums).
CREATE TABLE analytics_entries (
    entry_key      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    metric         TEXT COLLATE "C" NOT NULL,
    period         TEXT COLLATE "C" NOT NULL, -- point | hourly | daily | weekly
    tz             TEXT COLLATE "C" NOT NULL,
    bucket_start   BIGINT  NOT NULL, -- unix ms
    bucket_end     BIGINT  NOT NULL, -- unix ms, exclusive
    kind           TEXT COLLATE "C" NOT NULL, -- sum | histogram
    unit           TEXT COLLATE "C" NOT NULL DEFAULT '',
    value          DOUBLE PRECISION NOT NULL,
    value_int      BIGINT,
    value_count    BIGINT  NOT NULL DEFAULT 0,
    histogram_json TEXT COLLATE "C" NOT NULL DEFAULT '',
    metadata_json  TEXT COLLATE "C" NOT NULL CHECK (metadata_json <> ''),
    observed_at    BIGINT  NOT NULL  -- unix ms of the latest point in the window
);
CREATE INDEX analytics_entries_lookup ON analytics_entries (metric, period, tz, bucket_start);

-- One row per entity an entry is scoped to (model, project, session, tool, ...).
CREATE TABLE analytics_entity_links (
    entry_key   TEXT COLLATE "C" NOT NULL,
    entity_type TEXT COLLATE "C" NOT NULL,
    entity_id   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (entry_key, entity_type, entity_id)
);
CREATE INDEX analytics_entity_links_entity ON analytics_entity_links (entity_type, entity_id);

-- What the rollups cover, per metric, period and time zone: every window in
-- [since_ms, until_ms) was seen whole by the processor, except the windows
-- listed in analytics_rollup_gaps (a point arrived after its window closed).
CREATE TABLE analytics_rollup_coverage (
    metric   TEXT COLLATE "C" NOT NULL,
    period   TEXT COLLATE "C" NOT NULL,
    tz       TEXT COLLATE "C" NOT NULL,
    since_ms BIGINT  NOT NULL,
    until_ms BIGINT  NOT NULL,
    PRIMARY KEY (metric, period, tz)
);
CREATE TABLE analytics_rollup_gaps (
    metric       TEXT COLLATE "C" NOT NULL,
    period       TEXT COLLATE "C" NOT NULL,
    tz           TEXT COLLATE "C" NOT NULL,
    bucket_start BIGINT  NOT NULL,
    PRIMARY KEY (metric, period, tz, bucket_start)
);
