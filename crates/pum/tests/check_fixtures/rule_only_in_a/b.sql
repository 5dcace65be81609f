CREATE SCHEMA s;
CREATE TABLE s.t (id int, n int);
CREATE TABLE s.audit (id int);
