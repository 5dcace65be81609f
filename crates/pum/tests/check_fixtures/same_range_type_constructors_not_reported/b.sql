CREATE SCHEMA s;
CREATE TABLE s.t (id int);
CREATE TYPE s.span AS RANGE (subtype = int4);
ALTER TABLE s.t ADD COLUMN during s.span;
