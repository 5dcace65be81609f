CREATE SCHEMA s;
CREATE TYPE s.r1 AS RANGE (subtype = text);
CREATE TYPE s.r2 AS RANGE (subtype = text);
