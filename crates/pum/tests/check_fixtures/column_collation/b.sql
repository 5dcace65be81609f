CREATE SCHEMA s;
CREATE TABLE s.t (name text, code text COLLATE "POSIX");
