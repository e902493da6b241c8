-- ccdash store, SQLite dialect, version 3: links between features, tasks,
-- sessions, commits and pull requests found by the correlation processor
-- (ccdash.link facts). Keep in step with ../postgres/0003_links.sql.
--
-- One row per (from, to) pair. A link seen again keeps the best evidence:
-- the highest confidence, then explicit over inferred, then the larger
-- ambiguity share (see links.go); first_seen_ms is the earliest evidence
-- time. Both are order independent, so replays change nothing.
CREATE TABLE entity_links (
    from_type     TEXT    NOT NULL,
    from_id       TEXT    NOT NULL,
    to_type       TEXT    NOT NULL,
    to_id         TEXT    NOT NULL,
    confidence    REAL    NOT NULL,
    source        TEXT    NOT NULL DEFAULT '',
    ambiguity     REAL    NOT NULL DEFAULT 1,
    first_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (from_type, from_id, to_type, to_id)
);
CREATE INDEX entity_links_to ON entity_links (to_type, to_id);
