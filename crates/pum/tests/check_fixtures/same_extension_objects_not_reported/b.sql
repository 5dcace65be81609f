CREATE SCHEMA s;
CREATE EXTENSION pg_trgm;
CREATE TABLE s.t (name text);
CREATE EXTENSION hstore;
ALTER TABLE s.t ADD COLUMN attrs public.hstore;
CREATE INDEX t_name_trgm ON s.t USING gin (name public.gin_trgm_ops);
