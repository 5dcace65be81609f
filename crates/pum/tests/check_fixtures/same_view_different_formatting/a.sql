CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text, active boolean);
CREATE VIEW s.v AS SELECT id, name FROM s.t WHERE active ORDER BY name;
