CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text);
CREATE VIEW s.v AS SELECT id FROM s.t;
