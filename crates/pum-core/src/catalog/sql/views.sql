-- Views by definition (as the server renders it) and options.
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_catalog.pg_get_viewdef(c.oid, true) AS definition,
       pg_catalog.array_to_string(c.reloptions, ', ') AS options,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'v'
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
