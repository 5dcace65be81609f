CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int);
CREATE INDEX t_ab_idx ON s.t (a, b);
CREATE INDEX t_a_idx ON s.t (a);
