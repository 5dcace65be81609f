CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int, c int);
CREATE STATISTICS s.st1 (dependencies) ON a, b FROM s.t;
CREATE STATISTICS s.st2 ON a, c FROM s.t;
CREATE STATISTICS s.st4 ON b, c FROM s.t;
