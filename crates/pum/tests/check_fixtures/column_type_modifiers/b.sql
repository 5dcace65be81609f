CREATE SCHEMA s;
CREATE TABLE s.t (code varchar(20), price numeric(12,2), at timestamp(6), flags bit(4));
