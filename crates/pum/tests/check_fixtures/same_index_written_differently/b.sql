create schema S;
create table s.T (ID integer, NAME text, AT date);
create   index   T_NAME_IDX
   on s.t(Name);
CREATE UNIQUE INDEX t_at_idx ON s.t (at,id) WHERE id>0;
