CREATE SCHEMA s;
CREATE TABLE s.t (a int, b int8, c varchar(5), d float8, e timestamptz, f bool);
