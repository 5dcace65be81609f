SELECT 'it''s; fine', E'back\'slash;\\', e'\n;', U&'d\0061;', B'01', X'ff';
SELECT "quoted ""ident;""" FROM "a;b";
/* outer /* nested ; */ still comment; */ SELECT 2;
-- line comment ; with semicolon
SELECT $$dollar ; body$$, $tag$ $$ ; $tag$, $1, a$b, 1$2;
SELECT 'é;ü' AS ñ; SELECT 2 AS "日本;";
SELECT (1;2);
SELECT 3 -- no semicolon
