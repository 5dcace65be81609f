CREATE SCHEMA s;
CREATE TABLE s.m (id int, at date, region text) PARTITION BY LIST (region);
