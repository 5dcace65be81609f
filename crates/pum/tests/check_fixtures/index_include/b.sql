CREATE SCHEMA s;
CREATE TABLE s.t (id int, code text, label text);
CREATE INDEX t_code_idx ON s.t (code);
