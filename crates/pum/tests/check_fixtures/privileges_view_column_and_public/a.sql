DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
CREATE VIEW s.v AS SELECT id, c FROM s.t;
GRANT SELECT ON s.v TO PUBLIC;
