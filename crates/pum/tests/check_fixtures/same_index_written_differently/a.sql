CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text, at date);
CREATE INDEX t_name_idx ON s.t USING btree (name ASC NULLS LAST);
CREATE UNIQUE INDEX t_at_idx ON s.t USING btree (at, id) WHERE (id > 0);
