CREATE SCHEMA s;
CREATE FUNCTION s.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER pum_fx_et ON ddl_command_start WHEN TAG IN ('CREATE TABLE') EXECUTE FUNCTION s.on_ddl();
CREATE EVENT TRIGGER pum_fx_et2 ON ddl_command_start EXECUTE FUNCTION s.on_ddl();
