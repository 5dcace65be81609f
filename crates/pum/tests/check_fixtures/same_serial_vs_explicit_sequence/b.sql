CREATE SCHEMA s;
CREATE SEQUENCE s.t_id_seq AS integer;
CREATE TABLE s.t (id int NOT NULL DEFAULT nextval('s.t_id_seq'), n int);
ALTER SEQUENCE s.t_id_seq OWNED BY s.t.id;
