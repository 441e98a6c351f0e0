-- What a whole-graph read needs, readable without touching the tables' rows (a server reads
-- the whole graph at start-up; at 10m edges the rows cost seconds more than the indexes):
-- every node's id and title in id order, and the few nodes and edges that carry anything
-- besides ids, title and kind. Edges by (source, kind, target) are already an index (the
-- UNIQUE constraint).
CREATE INDEX nodes_by_id_title ON nodes (id, title);
CREATE INDEX nodes_with_details ON nodes (id)
    WHERE note IS NOT NULL OR date IS NOT NULL OR start_date IS NOT NULL
       OR end_date IS NOT NULL OR place IS NOT NULL OR format IS NOT NULL;
CREATE INDEX edges_with_details ON edges (source, kind, target)
    WHERE note IS NOT NULL OR valid_from IS NOT NULL OR valid_to IS NOT NULL;
