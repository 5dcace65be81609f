-- Domains with base type, nullability, default, collation and constraints.
SELECT n.nspname AS schema,
       t.typname AS name,
       pg_catalog.format_type(t.typbasetype, t.typtypmod) AS type,
       CASE WHEN t.typnotnull THEN 'not null' ELSE 'null' END AS nullable,
       t.typdefault AS "default",
       CASE WHEN t.typcollation <> 0 AND t.typcollation <> bt.typcollation
            THEN (SELECT co.collname FROM pg_catalog.pg_collation co WHERE co.oid = t.typcollation) END AS collation,
       (SELECT pg_catalog.string_agg(con.conname || ' ' || pg_catalog.pg_get_constraintdef(con.oid, true), '; ' ORDER BY con.conname)
          FROM pg_catalog.pg_constraint con WHERE con.contypid = t.oid AND con.contype <> 'n') AS constraints,
       pg_catalog.pg_get_userbyid(t.typowner) AS owner
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype
WHERE t.typtype = 'd'
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass
                    AND d.objid = t.oid AND d.deptype = 'e')
