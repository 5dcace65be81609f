CREATE SCHEMA s;
CREATE TABLE s.p (id int PRIMARY KEY, code text UNIQUE);
CREATE TABLE s.c (id int, p int, code text, CONSTRAINT c_fk FOREIGN KEY (code) REFERENCES s.p (code));
