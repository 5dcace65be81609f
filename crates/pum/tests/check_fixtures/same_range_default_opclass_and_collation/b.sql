CREATE SCHEMA s;
CREATE TYPE s.r1 AS RANGE (subtype = text, subtype_opclass = text_ops, collation = "default");
