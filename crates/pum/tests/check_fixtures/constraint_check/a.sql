CREATE SCHEMA s;
CREATE TABLE s.t (x int CONSTRAINT x_positive CHECK (x > 0), y int);
