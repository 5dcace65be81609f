CREATE SCHEMA s;
CREATE TABLE s.t (id int, n int);
CREATE VIEW s.v AS SELECT id, n FROM s.t;
