CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int, CONSTRAINT t_uq UNIQUE (a));
