CREATE SCHEMA s;
CREATE TABLE s.t (id int, kind text);
CREATE MATERIALIZED VIEW s.mv AS SELECT kind, count(id) AS n FROM s.t GROUP BY kind;
