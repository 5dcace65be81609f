CREATE SCHEMA s;
CREATE TABLE s.t (id int CONSTRAINT t_pkey PRIMARY KEY, name text);
CREATE FUNCTION s.f(x int) RETURNS int LANGUAGE sql AS 'SELECT x';

COMMENT ON TABLE s.t IS 'Pipes and valves';
COMMENT ON SCHEMA s IS 'the model';
