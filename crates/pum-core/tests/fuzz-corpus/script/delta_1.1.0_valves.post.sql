-- ...and recreated after it, with the new columns.
CREATE VIEW water.vw_network AS
SELECT p.id, na.identification AS from_node, nb.identification AS to_node,
       m.name AS material, p.diameter_mm, p.length_m,
       EXISTS (SELECT 1 FROM water.valve v WHERE v.node IN (p.node_a, p.node_b) AND v.closed) AS has_closed_valve
  FROM water.pipe p
  JOIN water.node na ON na.id = p.node_a
  JOIN water.node nb ON nb.id = p.node_b
  LEFT JOIN water.material m ON m.id = p.material;
