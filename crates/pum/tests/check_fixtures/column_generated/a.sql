CREATE SCHEMA s;
CREATE TABLE s.t (a int, doubled int GENERATED ALWAYS AS (a * 2) STORED, plain int);
