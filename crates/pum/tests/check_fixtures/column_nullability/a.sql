CREATE SCHEMA s;
CREATE TABLE s.t (id int NOT NULL, name text);
