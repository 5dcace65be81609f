CREATE SCHEMA s;
CREATE TABLE s.t (id int, kind text);
CREATE MATERIALIZED VIEW s.mv AS SELECT kind FROM s.t;
CREATE INDEX mv_kind_idx ON s.mv (kind);
