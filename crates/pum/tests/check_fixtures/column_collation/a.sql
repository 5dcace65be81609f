CREATE SCHEMA s;
CREATE TABLE s.t (name text COLLATE "C", code text);
