CREATE SCHEMA s;
CREATE AGGREGATE s.total(int) (SFUNC = int4pl, STYPE = int, INITCOND = '0');
