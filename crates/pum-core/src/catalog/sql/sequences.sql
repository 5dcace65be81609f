-- Sequences (not those behind identity columns: those are column properties).
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.format_type(s.seqtypid, NULL) AS type,
       s.seqstart::text AS start,
       s.seqincrement::text AS increment,
       s.seqmin::text AS minimum,
       s.seqmax::text AS maximum,
       s.seqcache::text AS cache,
       CASE WHEN s.seqcycle THEN 'cycle' ELSE 'no cycle' END AS cycle,
       (SELECT d.refobjid::pg_catalog.regclass::text || '.' || a.attname
          FROM pg_catalog.pg_depend d
          JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
         WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
           AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'a'
         LIMIT 1) AS owned_by,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner
FROM pg_catalog.pg_sequence s
JOIN pg_catalog.pg_class c ON c.oid = s.seqrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype IN ('e', 'i'))
