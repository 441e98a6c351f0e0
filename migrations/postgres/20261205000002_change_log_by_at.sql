-- `changes(since:)` finds the first entry at or after a time here, then reads on by `seq`
-- (entry times never decrease along the log): it read every entry before it.
CREATE INDEX change_log_by_at ON change_log (at, seq);
