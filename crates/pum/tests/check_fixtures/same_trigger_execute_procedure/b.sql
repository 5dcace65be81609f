CREATE SCHEMA s;
CREATE TABLE s.t (id int);
CREATE FUNCTION s.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
create trigger T_TOUCH before update or insert on S.T for each row execute function S.TOUCH();
