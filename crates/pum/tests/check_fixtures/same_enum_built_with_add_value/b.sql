CREATE SCHEMA s;
CREATE TYPE s.level AS ENUM ('high');
ALTER TYPE s.level ADD VALUE 'low' BEFORE 'high';
ALTER TYPE s.level ADD VALUE 'mid' AFTER 'low';
