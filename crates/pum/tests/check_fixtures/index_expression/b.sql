CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text);
CREATE INDEX t_name_idx ON s.t (upper(name));
