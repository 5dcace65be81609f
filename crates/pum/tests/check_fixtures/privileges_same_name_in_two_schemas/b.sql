DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_writer NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA s1;
CREATE SCHEMA s2;
CREATE TABLE s1.t (id int);
CREATE TABLE s2.t (id int);
GRANT SELECT ON s2.t TO pum_fx_reader;
