CREATE SCHEMA s;
CREATE TYPE s.pair AS (x int, y int);
