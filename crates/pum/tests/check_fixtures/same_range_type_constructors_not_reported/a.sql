CREATE SCHEMA s;
CREATE TYPE s.span AS RANGE (subtype = int4);
CREATE TABLE s.t (id int, during s.span);
