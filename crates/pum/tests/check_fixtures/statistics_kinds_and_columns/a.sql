CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int, c int);
CREATE STATISTICS s.st1 (ndistinct) ON a, b FROM s.t;
CREATE STATISTICS s.st2 ON a, b FROM s.t;
CREATE STATISTICS s.st3 ON a, b FROM s.t;
