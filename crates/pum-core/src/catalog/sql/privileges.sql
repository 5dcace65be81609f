-- Privileges granted to roles other than the object's owner, on schemas,
-- tables, views, sequences, columns and functions; sorted, so the order of
-- the GRANTs does not matter.
WITH acl AS (
  SELECT n.nspname AS schema, 'schema ' || n.nspname AS name, n.nspacl AS acl, n.nspowner AS owner
    FROM pg_catalog.pg_namespace n
  UNION ALL
  SELECT n.nspname, CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view '
                                   WHEN 'm' THEN 'materialized view ' ELSE 'table ' END || c.relname,
         c.relacl, c.relowner
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  UNION ALL
  SELECT n.nspname, 'column ' || c.relname || '.' || a.attname, a.attacl, c.relowner
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
  UNION ALL
  SELECT n.nspname, 'function ' || p.proname || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')',
         p.proacl, p.proowner
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
)
SELECT acl.schema,
       acl.name,
       pg_catalog.string_agg(
         CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END
         || ': ' || x.privilege_type || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END,
         ', ' ORDER BY 1) AS grants
FROM acl, LATERAL pg_catalog.aclexplode(acl.acl) AS x
WHERE acl.acl IS NOT NULL
  AND x.grantee <> acl.owner
  AND acl.schema NOT IN ('information_schema')
  AND acl.schema NOT LIKE 'pg\_%'
GROUP BY acl.schema, acl.name
