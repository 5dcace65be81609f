CREATE SCHEMA s;
CREATE TABLE s.t (a int DEFAULT (0), b int DEFAULT (-1), c text DEFAULT ('abc'::text), d boolean DEFAULT (true));
