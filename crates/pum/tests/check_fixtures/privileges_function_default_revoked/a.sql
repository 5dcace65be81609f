DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_writer NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA s;
CREATE TABLE s.t (id int, secret text);
CREATE SEQUENCE s.seq;
CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1';

REVOKE ALL ON FUNCTION s.f() FROM PUBLIC;
