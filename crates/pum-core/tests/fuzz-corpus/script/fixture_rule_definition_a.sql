CREATE SCHEMA s;
CREATE TABLE s.t (id int, n int);
CREATE TABLE s.audit (id int);

CREATE RULE t_audit AS ON INSERT TO s.t DO ALSO INSERT INTO s.audit VALUES (NEW.id);
