CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, name text NOT NULL);
CREATE INDEX t_name_idx ON s.t (name);
COMMENT ON TABLE s.t IS 'kept';
CREATE TABLE s.u (id int);
