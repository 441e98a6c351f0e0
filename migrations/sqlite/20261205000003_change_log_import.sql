-- A large import is logged as one `import` entry (entity `import`, `after` its counts) instead
-- of one JSON image per node and edge: at 10m edges those were 2.5 GB of a 6.4 GB file and
-- 47 s of a 120 s import. SQLite cannot alter a CHECK constraint, so the log is copied into a
-- table that allows the new operation, sequence numbers, times and actors as they were.
CREATE TABLE change_log_with_import (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor   TEXT NOT NULL,
    op      TEXT NOT NULL CHECK (op IN ('create', 'update', 'delete', 'import')),
    entity  TEXT NOT NULL,
    before  TEXT,
    after   TEXT
) STRICT;

INSERT INTO change_log_with_import (seq, at, actor, op, entity, before, after)
SELECT seq, at, actor, op, entity, before, after FROM change_log ORDER BY seq;

-- Dropping the table drops its index and its triggers; the renamed table takes over its
-- row in sqlite_sequence, so no sequence number is handed out twice.
DROP TABLE change_log;
ALTER TABLE change_log_with_import RENAME TO change_log;

CREATE INDEX change_log_by_entity ON change_log (entity, seq);

CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;

CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
BEGIN
    SELECT RAISE(ABORT, 'change_log is append-only');
END;
