CREATE SCHEMA s;
CREATE TABLE s.t (code text);
CREATE TABLE s.u (code text);
CREATE INDEX code_idx ON s.u (code);
