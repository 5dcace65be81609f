-- Enum, composite and range types. A range lists its subtype's operator
-- class and collation only where they are not the subtype's defaults.
SELECT n.nspname AS schema,
       t.typname AS name,
       CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' END AS kind,
       CASE t.typtype
         WHEN 'e' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                          FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid)
         WHEN 'c' THEN (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname) || ' '
                                                     || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                          FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped)
         WHEN 'r' THEN (SELECT 'subtype ' || pg_catalog.format_type(r.rngsubtype, NULL)
                               || CASE WHEN r.rngsubdiff <> 0 THEN ', subtype_diff ' || r.rngsubdiff::pg_catalog.regproc::text ELSE '' END
                               || CASE WHEN r.rngcanonical <> 0 THEN ', canonical ' || r.rngcanonical::pg_catalog.regproc::text ELSE '' END
                               || CASE WHEN NOT opc.opcdefault
                                       THEN ', subtype_opclass ' || pg_catalog.quote_ident(opn.nspname) || '.' || pg_catalog.quote_ident(opc.opcname)
                                       ELSE '' END
                               || CASE WHEN r.rngcollation <> 0 AND r.rngcollation <> st.typcollation
                                       THEN ', collation ' || pg_catalog.quote_ident(con.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                                       ELSE '' END
                          FROM pg_catalog.pg_range r
                          JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
                          JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc
                          JOIN pg_catalog.pg_namespace opn ON opn.oid = opc.opcnamespace
                          LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation
                          LEFT JOIN pg_catalog.pg_namespace con ON con.oid = co.collnamespace
                         WHERE r.rngtypid = t.oid)
       END AS definition,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE (t.typtype IN ('e', 'r')
       OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
