CREATE SCHEMA s;
CREATE TABLE s.t (id int CONSTRAINT t_pkey PRIMARY KEY, name text);
CREATE FUNCTION s.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';

COMMENT ON FUNCTION s.f(int) IS 'identity';
COMMENT ON SCHEMA s IS 'the model';
