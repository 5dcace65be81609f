CREATE SCHEMA s;
CREATE TABLE s.m (id int, at date);
