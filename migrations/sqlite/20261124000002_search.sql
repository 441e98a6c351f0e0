-- Full-text search over titles, notes and quotes (FTS5). Rebuilt in the same transaction as
-- every write, so it always matches the graph. `entity` is a node id; `field` says what matched.
CREATE VIRTUAL TABLE search_index USING fts5(
    entity UNINDEXED,
    kind UNINDEXED,
    field UNINDEXED,
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
