CREATE EXTENSION citext;
CREATE SCHEMA s;
CREATE TABLE s.t (email citext, code text);
