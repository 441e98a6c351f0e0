-- Which rows of the full-text index belong to which entity. FTS5 cannot index its `entity`
-- column, so deleting an entity's rows by it scanned the whole index (40-60 ms per write at a
-- million edges); by rowid through this table it is a few index look-ups.
CREATE TABLE search_rows (
    row     INTEGER PRIMARY KEY,
    entity  TEXT NOT NULL
) STRICT;

CREATE INDEX search_rows_by_entity ON search_rows (entity);

INSERT INTO search_rows (row, entity) SELECT rowid, entity FROM search_index;
