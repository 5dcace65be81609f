-- Runs after 3_node.sql (natural order: 10 after 3), which it references.
CREATE TABLE water.pipe (
    id integer PRIMARY KEY,
    node_a integer NOT NULL REFERENCES water.node,
    node_b integer NOT NULL REFERENCES water.node,
    material smallint REFERENCES water.material,
    diameter_mm integer CHECK (diameter_mm > 0)
);
