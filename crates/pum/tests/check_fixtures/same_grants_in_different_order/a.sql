DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_writer NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA s;
CREATE TABLE s.t (id int);
GRANT SELECT ON s.t TO pum_fx_reader;
GRANT INSERT, SELECT ON s.t TO pum_fx_writer;
GRANT UPDATE ON s.t TO pum_fx_writer;
GRANT USAGE ON SCHEMA s TO pum_fx_writer, pum_fx_reader;
