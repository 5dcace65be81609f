CREATE EXTENSION citext;
CREATE SCHEMA s;
CREATE TABLE s.t (email text, code citext);
