CREATE SCHEMA s;
CREATE TABLE s.t (id int, kind text);
CREATE MATERIALIZED VIEW s.mv AS SELECT kind, count(*) AS n FROM s.t GROUP BY kind;
CREATE UNIQUE INDEX mv_kind_idx ON s.mv (kind);
CREATE INDEX mv_n_idx ON s.mv (n);
