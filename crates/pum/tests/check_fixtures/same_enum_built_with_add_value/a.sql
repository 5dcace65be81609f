CREATE SCHEMA s;
CREATE TYPE s.level AS ENUM ('low', 'mid', 'high');
