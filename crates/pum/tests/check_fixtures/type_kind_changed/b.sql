CREATE SCHEMA s;
CREATE TYPE s.thing AS (a text, b text);
