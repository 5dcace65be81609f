CREATE SCHEMA s;
CREATE TABLE s.t (id int CONSTRAINT t_pkey PRIMARY KEY, name text);
CREATE FUNCTION s.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';

COMMENT ON COLUMN s.t.name IS 'display name';
COMMENT ON CONSTRAINT t_pkey ON s.t IS 'identity';
