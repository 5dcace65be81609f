CREATE SCHEMA s;
CREATE FUNCTION s.on_ddl() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE FUNCTION s.other() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
CREATE EVENT TRIGGER pum_fx_et ON sql_drop EXECUTE FUNCTION s.on_ddl();
CREATE EVENT TRIGGER pum_fx_et2 ON sql_drop EXECUTE FUNCTION s.on_ddl();
