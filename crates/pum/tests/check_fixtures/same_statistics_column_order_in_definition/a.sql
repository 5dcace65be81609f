CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int, c int);
CREATE STATISTICS s.st1 ON a, b FROM s.t;
