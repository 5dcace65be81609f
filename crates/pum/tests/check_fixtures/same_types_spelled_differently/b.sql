CREATE SCHEMA s;
CREATE TABLE s.t (a integer, b bigint, c character varying(5), d double precision, e timestamp with time zone, f boolean);
