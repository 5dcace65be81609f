CREATE SCHEMA s;
CREATE TABLE s.t (id int PRIMARY KEY, c text);
CREATE TABLE s.u (id int PRIMARY KEY, c text, d int);
CREATE PUBLICATION pub FOR TABLE s.u (id, c, d);
