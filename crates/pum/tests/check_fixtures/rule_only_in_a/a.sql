CREATE SCHEMA s;
CREATE TABLE s.t (id int, n int);
CREATE TABLE s.audit (id int);

CREATE RULE t_nodelete AS ON DELETE TO s.t DO INSTEAD NOTHING;
