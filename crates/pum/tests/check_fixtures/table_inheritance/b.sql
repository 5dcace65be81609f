CREATE SCHEMA s;
CREATE TABLE s.parent (id int, name text);
CREATE TABLE s.child (id int, name text);
