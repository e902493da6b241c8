-- ccdash store, PostgreSQL dialect, version 3: links between features,
-- tasks, sessions, commits and pull requests found by the correlation
-- processor (ccdash.link facts). Keep in step with ../sqlite/0003_links.sql.
--
-- One row per (from, to) pair. A link seen again keeps the best evidence:
-- the highest confidence, then explicit over inferred, then the larger
-- ambiguity share (see links.go); first_seen_ms is the earliest evidence
-- time. Both are order independent, so replays change nothing.
CREATE TABLE entity_links (
    from_type     TEXT COLLATE "C" NOT NULL,
    from_id       TEXT COLLATE "C" NOT NULL,
    to_type       TEXT COLLATE "C" NOT NULL,
    to_id         TEXT COLLATE "C" NOT NULL,
    confidence    DOUBLE PRECISION NOT NULL,
    source        TEXT COLLATE "C" NOT NULL DEFAULT '',
    ambiguity     DOUBLE PRECISION NOT NULL DEFAULT 1,
    first_seen_ms BIGINT  NOT NULL,
    PRIMARY KEY (from_type, from_id, to_type, to_id)
);
CREATE INDEX entity_links_to ON entity_links (to_type, to_id);
