CREATE SCHEMA s;
CREATE TABLE s.t (code varchar(10), price numeric(10,2), at timestamp(3), flags bit(4));
