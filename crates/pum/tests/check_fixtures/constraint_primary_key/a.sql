CREATE SCHEMA s;
CREATE TABLE s.t (id int, k int, CONSTRAINT t_pkey PRIMARY KEY (id));
