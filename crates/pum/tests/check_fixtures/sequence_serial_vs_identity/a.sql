CREATE SCHEMA s;
CREATE TABLE s.t (id serial, n int);
