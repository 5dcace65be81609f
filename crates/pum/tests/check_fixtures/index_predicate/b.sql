CREATE SCHEMA s;
CREATE TABLE s.t (id int, active boolean);
CREATE INDEX t_id_idx ON s.t (id);
