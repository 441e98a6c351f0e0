-- One row that readiness checks rewrite to prove the store still takes writes (after a write
-- failed, e.g. on a full disk). Holds nothing else.
CREATE TABLE store_probe (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at TEXT NOT NULL
);
