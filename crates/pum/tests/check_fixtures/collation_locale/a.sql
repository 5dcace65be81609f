CREATE SCHEMA s;
CREATE COLLATION s.c1 (locale = 'C');
CREATE COLLATION s.c2 (locale = 'C');
