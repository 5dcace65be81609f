-- Demo data: a small town's network (three nodes, two pipes).
INSERT INTO wn_od.node (name, srid) VALUES ('reservoir', {SRID}), ('square', {SRID}), ('school', {SRID});
INSERT INTO wn_od.pipe (from_node, to_node, diameter)
    SELECT f.id, t.id, 160 FROM wn_od.node f, wn_od.node t
    WHERE (f.name, t.name) IN (('reservoir', 'square'), ('square', 'school'));
