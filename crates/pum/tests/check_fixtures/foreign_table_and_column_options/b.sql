CREATE FOREIGN DATA WRAPPER pum_fx_w;
CREATE SERVER srv FOREIGN DATA WRAPPER pum_fx_w;
CREATE SCHEMA s;
CREATE FOREIGN TABLE s.ft (a int OPTIONS (column_name 'y'), b text) SERVER srv OPTIONS (table_name 'two');
