CREATE SCHEMA s;
CREATE TABLE s.t (id int, name text, active boolean);
create view S.V as
  select T.ID,
         NAME
    from S.T
   where (T.ACTIVE)
   order   by  T.NAME;
