DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
GRANT SELECT ON s.t TO pum_fx_reader;
GRANT INSERT ON s.t TO pum_fx_reader;
GRANT SELECT ON s.t TO pum_fx_owner;
ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO pum_fx_reader, pum_fx_owner;
