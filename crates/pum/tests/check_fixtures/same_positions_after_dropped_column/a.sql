CREATE SCHEMA s;
CREATE TABLE s.t (id int, gone text, a text, b int);
ALTER TABLE s.t DROP COLUMN gone;
