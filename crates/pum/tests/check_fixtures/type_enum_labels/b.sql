CREATE SCHEMA s;
CREATE TYPE s.mood AS ENUM ('sad', 'happy', 'ok');
CREATE TYPE s.color AS ENUM ('red', 'green', 'blue');
