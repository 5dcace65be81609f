-- Privileges granted to roles other than the object's owner, on schemas,
-- tables, views, sequences, columns, functions, types and domains,
-- foreign-data wrappers and foreign servers; and default privileges
-- (ALTER DEFAULT PRIVILEGES), every grant of them, named after the role
-- and schema they are for. Names carry the schema (`table s.t`). An object
-- without an ACL (`raw`) has the built-in default one (`dflt`, acldefault:
-- e.g. EXECUTE to PUBLIC on functions), so that revoking a default
-- privilege is a difference. Grants are sorted, so the order of the GRANTs does not
-- matter. Objects the server generates (range constructors, array types)
-- are left out, and so are extension members, unless their privileges
-- differ from those the extension gave them (pg_init_privs, else the
-- built-in default), as pg_dump does.
WITH acl AS (
  SELECT n.nspname AS schema, 'schema ' || n.nspname AS name, n.nspacl AS raw,
         pg_catalog.acldefault('n', n.nspowner) AS dflt, n.nspowner AS owner,
         'pg_catalog.pg_namespace'::pg_catalog.regclass AS classid, n.oid AS objid
    FROM pg_catalog.pg_namespace n
  UNION ALL
  SELECT n.nspname, CASE c.relkind WHEN 'S' THEN 'sequence ' WHEN 'v' THEN 'view '
                                   WHEN 'm' THEN 'materialized view ' ELSE 'table ' END
                    || n.nspname || '.' || c.relname, c.relacl,
         pg_catalog.acldefault(CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END::"char", c.relowner),
         c.relowner, 'pg_catalog.pg_class'::pg_catalog.regclass, c.oid
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
  UNION ALL
  SELECT n.nspname, 'column ' || n.nspname || '.' || c.relname || '.' || a.attname, a.attacl, NULL, c.relowner,
         -- Column grants of an extension's table are not told apart from the table's.
         'pg_catalog.pg_class'::pg_catalog.regclass, c.oid
    FROM pg_catalog.pg_attribute a
    JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attacl IS NOT NULL
  UNION ALL
  SELECT n.nspname, 'function ' || n.nspname || '.' || p.proname
                    || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')', p.proacl,
         pg_catalog.acldefault('f', p.proowner), p.proowner,
         'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  UNION ALL
  SELECT n.nspname, CASE t.typtype WHEN 'd' THEN 'domain ' ELSE 'type ' END || n.nspname || '.' || t.typname, t.typacl,
         pg_catalog.acldefault('T', t.typowner), t.typowner,
         'pg_catalog.pg_type'::pg_catalog.regclass, t.oid
    FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
   WHERE (t.typtype IN ('d', 'e', 'r') OR (t.typtype = 'b' AND t.typcategory <> 'A'))
      OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c')
  UNION ALL
  SELECT '', 'foreign data wrapper ' || w.fdwname, w.fdwacl,
         pg_catalog.acldefault('F', w.fdwowner), w.fdwowner,
         'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass, w.oid
    FROM pg_catalog.pg_foreign_data_wrapper w
  UNION ALL
  SELECT '', 'foreign server ' || s.srvname, s.srvacl,
         pg_catalog.acldefault('S', s.srvowner), s.srvowner,
         'pg_catalog.pg_foreign_server'::pg_catalog.regclass, s.oid
    FROM pg_catalog.pg_foreign_server s
  UNION ALL
  -- Every grant of a default ACL counts, the role's own included: for
  -- defaults of all schemas the ACL replaces the built-in one, so that
  -- REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC leaves only the role's grant.
  SELECT coalesce(n.nspname, ''),
         'default privileges of ' || pg_catalog.pg_get_userbyid(da.defaclrole)
         || coalesce(' in schema ' || n.nspname, '') || ' on '
         || CASE da.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions'
                                  WHEN 'T' THEN 'types' WHEN 'n' THEN 'schemas' ELSE da.defaclobjtype::text END,
         da.defaclacl, NULL, NULL,
         'pg_catalog.pg_default_acl'::pg_catalog.regclass, da.oid
    FROM pg_catalog.pg_default_acl da
    LEFT JOIN pg_catalog.pg_namespace n ON n.oid = da.defaclnamespace
),
kept AS (
  SELECT acl.*, coalesce(acl.raw, acl.dflt) AS eff,
         EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = acl.classid AND d.objid = acl.objid AND d.deptype = 'e') AS member
    FROM acl
   WHERE acl.schema NOT IN ('information_schema')
     AND acl.schema NOT LIKE 'pg\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = acl.classid AND d.objid = acl.objid AND d.deptype = 'i')
)
SELECT k.schema,
       k.name,
       coalesce(g.grants, 'none') AS grants
FROM kept AS k,
     LATERAL (SELECT pg_catalog.string_agg(e.grant, ', ' ORDER BY e.grant) AS grants
                FROM (SELECT CASE WHEN x.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(x.grantee)::text END
                             || ': ' || x.privilege_type || CASE WHEN x.is_grantable THEN ' with grant option' ELSE '' END AS grant
                        FROM pg_catalog.aclexplode(k.eff) AS x
                       WHERE x.grantee IS DISTINCT FROM k.owner) AS e) AS g
WHERE CASE WHEN k.member
           THEN k.eff IS DISTINCT FROM coalesce((SELECT ip.initprivs FROM pg_catalog.pg_init_privs ip
                                                  WHERE ip.classoid = k.classid AND ip.objoid = k.objid
                                                    AND ip.objsubid = 0), k.dflt)
           ELSE g.grants IS NOT NULL OR k.classid = 'pg_catalog.pg_default_acl'::pg_catalog.regclass END
