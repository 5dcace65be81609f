CREATE SCHEMA s;
CREATE TABLE s.p (id int PRIMARY KEY);
CREATE TABLE s.t (
  id int PRIMARY KEY,
  code text UNIQUE,
  p int REFERENCES s.p (id) ON DELETE CASCADE,
  x int CHECK (x > 0)
);
