-- Rewrite rules by full definition (not the _RETURN rules behind views).
SELECT n.nspname AS schema,
       c.relname || '.' || r.rulename AS name,
       pg_catalog.pg_get_ruledef(r.oid, true) AS definition,
       CASE r.ev_enabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'
                         WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END AS enabled
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN'
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
