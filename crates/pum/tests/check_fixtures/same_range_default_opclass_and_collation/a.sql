CREATE SCHEMA s;
CREATE TYPE s.r1 AS RANGE (subtype = text);
