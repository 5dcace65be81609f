DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;

CREATE SCHEMA s;
CREATE TABLE s.t (id int, owner text);
ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;

CREATE POLICY limit_rows ON s.t AS RESTRICTIVE USING (id > 0);
