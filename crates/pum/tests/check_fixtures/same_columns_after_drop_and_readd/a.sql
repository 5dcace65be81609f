CREATE SCHEMA s;
CREATE TABLE s.t (id int, a text, b int);
ALTER TABLE s.t DROP COLUMN a;
ALTER TABLE s.t ADD COLUMN a text;
