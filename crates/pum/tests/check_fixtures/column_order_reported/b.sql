CREATE SCHEMA s;
CREATE TABLE s.t (id int, b text, a text);
