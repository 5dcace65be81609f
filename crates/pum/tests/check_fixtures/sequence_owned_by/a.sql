CREATE SCHEMA s;
CREATE TABLE s.t (id int, other int);
CREATE SEQUENCE s.seq OWNED BY s.t.id;
