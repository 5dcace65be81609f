CREATE SCHEMA s;
CREATE TABLE s.t (id int, a text, b text);
