CREATE SCHEMA s;
CREATE COLLATION s.c1 (lc_collate = 'C', lc_ctype = 'POSIX');
CREATE COLLATION s.c3 (locale = 'POSIX');
