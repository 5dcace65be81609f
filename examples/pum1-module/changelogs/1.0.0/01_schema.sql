-- The network: nodes and pipes.
CREATE SCHEMA wn_od;

CREATE TABLE wn_od.node (
    id serial PRIMARY KEY,
    name text NOT NULL,
    srid integer NOT NULL DEFAULT {SRID}
);

CREATE TABLE wn_od.pipe (
    id serial PRIMARY KEY,
    from_node integer NOT NULL REFERENCES wn_od.node,
    to_node integer NOT NULL REFERENCES wn_od.node,
    diameter integer  -- millimetres; a ; here does not split
);

COMMENT ON TABLE wn_od.pipe IS 'pipes; one row per pipe';
