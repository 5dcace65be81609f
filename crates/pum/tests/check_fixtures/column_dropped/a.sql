CREATE SCHEMA s;
CREATE TABLE s.t (id int, legacy text, name text);
