CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int);
CREATE INDEX t_ab_idx ON s.t (a DESC NULLS LAST, b);
CREATE INDEX t_b_idx ON s.t (b);
