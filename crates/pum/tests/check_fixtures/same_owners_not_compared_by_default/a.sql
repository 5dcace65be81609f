DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
CREATE VIEW s.v AS SELECT id FROM s.t;
CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TYPE s.e AS ENUM ('a');
CREATE SEQUENCE s.q;
