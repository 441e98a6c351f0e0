-- The indexes the SQLite schema gained for whole-graph reads (see the SQLite migration of the
-- same name), so both schemas keep the same shape: the nodes and edges that carry anything
-- besides ids, title and kind.
CREATE INDEX nodes_with_details ON nodes (id)
    WHERE note IS NOT NULL OR date IS NOT NULL OR start_date IS NOT NULL
       OR end_date IS NOT NULL OR place IS NOT NULL OR format IS NOT NULL;
CREATE INDEX edges_with_details ON edges (source, kind, target)
    WHERE note IS NOT NULL OR valid_from IS NOT NULL OR valid_to IS NOT NULL;
