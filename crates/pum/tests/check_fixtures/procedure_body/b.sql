CREATE SCHEMA s;
CREATE TABLE s.log (msg text);
CREATE PROCEDURE s.p(m text) LANGUAGE sql AS $$INSERT INTO s.log VALUES (upper(m))$$;
