CREATE SCHEMA s;
CREATE TABLE s.t (id int, qty int DEFAULT 0, label text DEFAULT 'x', at timestamptz DEFAULT now());
