-- waternet 1.0.0: a small drinking-water network data model.
-- This is the creation script of version 1.0.0; later versions are reached
-- by the delta files in delta/.

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
    altitude numeric(7, 2)
);

CREATE TABLE water.pipe (
    id serial PRIMARY KEY,
    node_a integer NOT NULL REFERENCES water.node,
    node_b integer NOT NULL REFERENCES water.node,
    material smallint REFERENCES water.material,
    diameter_mm integer CHECK (diameter_mm > 0),
    year integer
);

INSERT INTO water.material VALUES (1, 'cast iron'), (2, 'steel'), (3, 'PE');
INSERT INTO water.node (identification, x, y, altitude) VALUES
    ('N-001', 2600100.0, 1200100.0, 431.2),
    ('N-002', 2600180.0, 1200160.0, 433.9),
    ('N-003', 2600250.0, 1200110.0, 430.1);
INSERT INTO water.pipe (node_a, node_b, material, diameter_mm, year) VALUES
    (1, 2, 1, 150, 1968),
    (2, 3, 3, 110, 2004);
