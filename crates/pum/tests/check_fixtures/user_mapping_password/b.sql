DO $$ BEGIN CREATE ROLE pum_fx_reader NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
CREATE FOREIGN DATA WRAPPER pum_fx_w;
CREATE SERVER srv FOREIGN DATA WRAPPER pum_fx_w;
CREATE USER MAPPING FOR pum_fx_reader SERVER srv OPTIONS (user 'bob', password 'pum-fx-secret-two');
CREATE USER MAPPING FOR PUBLIC SERVER srv OPTIONS (user 'anonymous');
