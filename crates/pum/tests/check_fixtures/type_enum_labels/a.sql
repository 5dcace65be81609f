CREATE SCHEMA s;
CREATE TYPE s.mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE s.color AS ENUM ('red', 'green');
