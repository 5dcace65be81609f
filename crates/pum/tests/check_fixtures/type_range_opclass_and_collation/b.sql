CREATE SCHEMA s;
CREATE TYPE s.r1 AS RANGE (subtype = text, subtype_opclass = text_pattern_ops);
CREATE TYPE s.r2 AS RANGE (subtype = text, collation = "C");
