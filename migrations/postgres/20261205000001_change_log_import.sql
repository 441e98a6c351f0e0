-- A large import is logged as one `import` entry (entity `import`, `after` its counts) instead
-- of one JSON image per node and edge (see the SQLite migration of the same name).
ALTER TABLE change_log DROP CONSTRAINT change_log_op_check;
ALTER TABLE change_log ADD CONSTRAINT change_log_op_check
    CHECK (op IN ('create', 'update', 'delete', 'import'));
