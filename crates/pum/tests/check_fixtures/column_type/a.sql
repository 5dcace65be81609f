CREATE SCHEMA s;
CREATE TABLE s.t (id int, amount int);
