-- waternet 1.2.0: the creation script of the current version.
-- A fresh database built by this script must have the same schema as a
-- 1.0.0 database upgraded with the deltas in delta/: that is what
-- `pum test-and-upgrade ... --comp-init` checks before production is touched.

CREATE SCHEMA water;
CREATE SCHEMA water_sys;

CREATE TABLE water.material (
    id smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);

CREATE TABLE water.node (
    id serial PRIMARY KEY,
    identification text NOT NULL UNIQUE,
    x double precision NOT NULL,
    y double precision NOT NULL,
    altitude numeric(7, 2),
    altitude_suspect boolean NOT NULL DEFAULT false
);
CREATE INDEX node_xy_idx ON water.node (x, y);

CREATE TABLE water.pipe (
    id serial PRIMARY KEY,
    node_a integer NOT NULL REFERENCES water.node,
    node_b integer NOT NULL REFERENCES water.node,
    material smallint REFERENCES water.material,
    diameter_mm integer CHECK (diameter_mm > 0),
    year integer,
    length_m numeric(10, 2)
);

CREATE FUNCTION water.ft_pipe_length() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT round(sqrt((b.x - a.x) ^ 2 + (b.y - a.y) ^ 2)::numeric, 2)
      INTO NEW.length_m
      FROM water.node a, water.node b
     WHERE a.id = NEW.node_a AND b.id = NEW.node_b;
    RETURN NEW;
END;
$$;

CREATE TRIGGER tr_pipe_length BEFORE INSERT OR UPDATE OF node_a, node_b ON water.pipe
    FOR EACH ROW EXECUTE FUNCTION water.ft_pipe_length();

CREATE TABLE water.valve_function (
    id smallint PRIMARY KEY,
    name text NOT NULL,
    description text
);

CREATE TABLE water.valve (
    id serial PRIMARY KEY,
    node integer NOT NULL REFERENCES water.node,
    function smallint NOT NULL REFERENCES water.valve_function,
    closed boolean NOT NULL DEFAULT false
);

CREATE VIEW water.vw_network AS
SELECT p.id, na.identification AS from_node, nb.identification AS to_node,
       m.name AS material, p.diameter_mm, p.length_m,
       EXISTS (SELECT 1 FROM water.valve v WHERE v.node IN (p.node_a, p.node_b) AND v.closed) AS has_closed_valve
  FROM water.pipe p
  JOIN water.node na ON na.id = p.node_a
  JOIN water.node nb ON nb.id = p.node_b
  LEFT JOIN water.material m ON m.id = p.material;

CREATE TABLE water_sys.settings (
    srid integer NOT NULL,
    description text NOT NULL
);
COMMENT ON TABLE water_sys.settings IS 'one row; 100% of the nodes use this SRID';

INSERT INTO water.material VALUES (1, 'cast iron'), (2, 'steel'), (3, 'PE');
INSERT INTO water.valve_function VALUES
    (1, 'isolation', 'closes a section of the network'),
    (2, 'pressure reduction', NULL),
    (3, 'air release', 'lets trapped air out at high points');
INSERT INTO water_sys.settings VALUES (2056, 'coordinates of water.node, in EPSG:2056');
