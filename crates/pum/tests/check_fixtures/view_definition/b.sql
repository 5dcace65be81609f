CREATE SCHEMA s;
CREATE TABLE s.t (id int, active boolean);
CREATE VIEW s.v AS SELECT id FROM s.t WHERE NOT active;
