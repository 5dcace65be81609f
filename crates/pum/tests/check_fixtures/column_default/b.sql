CREATE SCHEMA s;
CREATE TABLE s.t (id int, qty int DEFAULT 1, label text, at timestamptz DEFAULT now());
