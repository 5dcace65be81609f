DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
