CREATE SCHEMA s;
CREATE TABLE s.t (id int) WITH (fillfactor = 70);
