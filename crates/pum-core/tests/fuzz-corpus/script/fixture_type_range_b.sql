CREATE SCHEMA s;
CREATE TYPE s.span AS RANGE (subtype = int8);
