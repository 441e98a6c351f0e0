-- When an edge holds: the first and last date (YYYY, YYYY-MM or YYYY-MM-DD, the precision
-- the source gives); NULL is an open end. Existing edges hold always, as before.
ALTER TABLE edges ADD COLUMN valid_from TEXT;
ALTER TABLE edges ADD COLUMN valid_to TEXT;
