-- The words of the search index, one row per word (FTS5's own view of its index; it stores
-- nothing). A search whose last word is a prefix looks up the words that start with it here
-- and searches for those whole words, which FTS5 finds far faster than a prefix query: a
-- search for "mea" took 71 ms at 1m edges, most of it on snippets by prefix. SQLite only:
-- PostgreSQL's search has its own prefix operator (`:*`) and needs no such table.
CREATE VIRTUAL TABLE search_vocabulary USING fts5vocab(search_index, 'row');
