CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
CREATE TABLE s.u (a text, b int);
