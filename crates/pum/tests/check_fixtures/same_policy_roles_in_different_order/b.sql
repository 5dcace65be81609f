DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE pum_fx_writer NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA s;
CREATE TABLE s.t (id int);
ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON s.t FOR SELECT TO pum_fx_reader, pum_fx_writer USING (true);
