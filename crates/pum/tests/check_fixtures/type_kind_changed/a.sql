CREATE SCHEMA s;
CREATE TYPE s.thing AS ENUM ('a', 'b');
