-- Privileges granted to roles other than the object's owner, on schemas,
-- tables, views, sequences, columns and functions. Names carry the schema
-- (`table s.t`). An object without an ACL has the built-in default one
-- (acldefault: e.g. EXECUTE to PUBLIC on functions), so that revoking a
-- default privilege is a difference. Grants are sorted, so the order of
-- the GRANTs does not matter. Extension members and objects the server
-- generates (range constructors) are left out.
WITH acl AS (
  SELECT n.nspname AS schema, 'schema ' || n.nspname AS name,
         coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner)) AS acl, n.nspowner AS owner,
         'pg_catalog.pg_namespace'::pg_catalog.regclass AS classid, n.oid AS objid
    FROM pg_catalog.pg_namespace n
  UNION ALL
  SELECT n.nspname, CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view '
                                   WHEN 'm' THEN 'materialized view ' ELSE 'table ' END
                    || n.nspname || '.' || c.relname,
         coalesce(c.relacl, pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner)),
         c.relowner, 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  UNION ALL
  SELECT n.nspname, 'column ' || n.nspname || '.' || c.relname || '.' || a.attname, a.attacl, c.relowner,
         'pg_catalog.pg_class'::pg_catalog.regclass, c.oid
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
  UNION ALL
  SELECT n.nspname, 'function ' || n.nspname || '.' || p.proname
                    || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')',
         coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner)), p.proowner,
         'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
),
grants AS (
  SELECT acl.schema, acl.name,
         CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END
         || ': ' || x.privilege_type || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END AS grant
    FROM acl, LATERAL pg_catalog.aclexplode(acl.acl) AS x
   WHERE x.grantee <> acl.owner
     AND acl.schema NOT IN ('information_schema')
     AND acl.schema NOT LIKE 'pg\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = acl.classid AND d.objid = acl.objid AND d.deptype IN ('e', 'i'))
)
SELECT grants.schema,
       grants.name,
       pg_catalog.string_agg(grants.grant, ', ' ORDER BY grants.grant) AS grants
FROM grants
GROUP BY grants.schema, grants.name
