CREATE EXTENSION hstore;
CREATE EXTENSION pg_trgm;
CREATE SCHEMA s;
CREATE TABLE s.t (name text, attrs public.hstore);
CREATE INDEX t_name_trgm ON s.t USING gin (name public.gin_trgm_ops);
