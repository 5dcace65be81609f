CREATE SCHEMA s;
CREATE TABLE s.parent (id int, name text);
CREATE TABLE s.child () INHERITS (s.parent);
