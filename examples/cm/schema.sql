-- psql-cm's walkthrough database: public, schema_one and schema_two, with
-- a table in each (and, to make it less trivial, a view across schemas
-- and a read-only role's grants).
SET search_path = public;
CREATE SCHEMA schema_one;
CREATE TABLE a_bool(a BOOL);

SET search_path = schema_one;
CREATE TABLE an_integer(an INTEGER);

CREATE SCHEMA schema_two;
SET search_path = schema_two;
CREATE TABLE a_varchar(a VARCHAR);

CREATE VIEW schema_one.short_varchars AS
    SELECT a FROM schema_two.a_varchar WHERE length(a) < 10;

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cm_example_reader') THEN
        CREATE ROLE cm_example_reader NOLOGIN;
    END IF;
END $$;
GRANT USAGE ON SCHEMA schema_one TO cm_example_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA schema_one TO cm_example_reader;
