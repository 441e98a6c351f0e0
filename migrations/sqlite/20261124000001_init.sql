-- The traceability graph: nodes, the documents that carry source text, edges, citations,
-- and an append-only change log. Kinds are checked by the application (src/model.rs), so
-- adding a kind needs no migration; ids are the readable `<kind>:<slug>` of DESIGN.md.

CREATE TABLE nodes (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    title       TEXT NOT NULL,
    note        TEXT,
    date        TEXT,
    start_date  TEXT,
    end_date    TEXT,
    place       TEXT,
    format      TEXT
) STRICT;

CREATE INDEX nodes_by_kind ON nodes (kind, id);

-- Full text of source documents; a citation can only point at a row here.
CREATE TABLE documents (
    node_id  TEXT PRIMARY KEY REFERENCES nodes (id) ON DELETE CASCADE,
    path     TEXT NOT NULL,
    text     TEXT NOT NULL
) STRICT;

CREATE TABLE edges (
    id      TEXT PRIMARY KEY,
    source  TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    target  TEXT NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    note    TEXT,
    UNIQUE (source, kind, target)
) STRICT;

CREATE INDEX edges_by_target ON edges (target, kind);

-- Evidence: exactly one of node_id / edge_id is set. Offsets are in characters of the
-- original text; occurrences > 1 marks a quote that the source repeats.
CREATE TABLE citations (
    id           INTEGER PRIMARY KEY,
    node_id      TEXT REFERENCES nodes (id) ON DELETE CASCADE,
    edge_id      TEXT REFERENCES edges (id) ON DELETE CASCADE,
    document_id  TEXT NOT NULL REFERENCES documents (node_id),
    quote        TEXT NOT NULL,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    line         INTEGER NOT NULL,
    col          INTEGER NOT NULL,
    occurrences  INTEGER NOT NULL,
    excerpt      TEXT NOT NULL,
    CHECK ((node_id IS NULL) <> (edge_id IS NULL)),
    CHECK (start_char < end_char)
) STRICT;

CREATE INDEX citations_by_node ON citations (node_id) WHERE node_id IS NOT NULL;
CREATE INDEX citations_by_edge ON citations (edge_id) WHERE edge_id IS NOT NULL;

-- Every change, as JSON before/after images. Append-only: the triggers refuse edits.
CREATE TABLE change_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor   TEXT NOT NULL,
    op      TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete')),
    entity  TEXT NOT NULL,
    before  TEXT,
    after   TEXT
) STRICT;

CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;

CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;
