-- PostgreSQL 13: columns.sql without compression (pg_attribute.attcompression
-- is new in 14).
-- Columns of tables, views, materialized views and foreign tables.
-- `position` counts live columns only, so dropping and re-adding columns
-- elsewhere does not shift it. Identity columns carry the options of their
-- sequence (identity sequences are not listed as sequences). Storage is
-- listed only where it is not the type's (pg_dump's SET STORAGE), and
-- compression, statistics targets and options only where they are set.
SELECT n.nspname AS schema,
       c.relname || '.' || a.attname AS name,
       pg_catalog.row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum)::text AS position,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
       CASE WHEN a.attnotnull THEN 'not null' ELSE 'null' END AS nullable,
       -- A plain default cannot refer to columns: rendering it without the
       -- relation spares the server opening every table.
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, 0) END AS "default",
       CASE a.attgenerated WHEN 's' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
                           WHEN 'v' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) || ' (virtual)' END AS generated,
       CASE a.attidentity WHEN 'a' THEN 'always' WHEN 'd' THEN 'by default' END AS identity,
       (SELECT 'start ' || s.seqstart || ', increment ' || s.seqincrement
               || ', minimum ' || s.seqmin || ', maximum ' || s.seqmax || ', cache ' || s.seqcache
               || CASE WHEN s.seqcycle THEN ', cycle' ELSE ', no cycle' END
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_sequence s ON s.seqrelid = d.objid
         WHERE a.attidentity <> ''
           AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
           AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
           AND d.deptype = 'i') AS identity_options,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
            THEN co.collname END AS collation,
       CASE WHEN a.attstorage <> t.typstorage
            THEN CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external'
                                   WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' END END AS storage,
       CASE WHEN a.attstattarget >= 0 THEN a.attstattarget::text END AS statistics,
       pg_catalog.array_to_string(a.attoptions, ', ') AS options,
       CASE WHEN a.attfdwoptions IS NOT NULL
            THEN (SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) FROM pg_catalog.unnest(a.attfdwoptions) AS o) END AS fdw_options
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE a.attnum > 0 AND NOT a.attisdropped
  AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
