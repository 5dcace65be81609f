CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text);
