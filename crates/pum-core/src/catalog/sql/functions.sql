-- Functions and procedures, matched by name and input argument types (the
-- server's own identity, as in DROP FUNCTION): renaming a parameter or
-- changing a default is a difference in `arguments`, not another function.
-- Extension
-- members and functions the server generates for another object (the
-- constructors of a range type, an internal dependency) are left out.
SELECT n.nspname AS schema,
       p.proname || '(' || pg_catalog.oidvectortypes(p.proargtypes) || ')' AS name,
       CASE p.prokind WHEN 'f' THEN 'function' WHEN 'p' THEN 'procedure'
                      WHEN 'w' THEN 'window function' WHEN 'a' THEN 'aggregate' END AS kind,
       pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
       pg_catalog.pg_get_function_result(p.oid) AS result,
       l.lanname AS language,
       CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' ELSE 'volatile' END AS volatility,
       CASE WHEN p.proisstrict THEN 'strict' ELSE 'called on null input' END AS strictness,
       CASE WHEN p.prosecdef THEN 'security definer' ELSE 'security invoker' END AS security,
       CASE WHEN p.proleakproof THEN 'leakproof' END AS leakproof,
       CASE p.proparallel WHEN 's' THEN 'safe' WHEN 'r' THEN 'restricted' ELSE 'unsafe' END AS parallel,
       pg_catalog.array_to_string(p.proconfig, ', ') AS config,
       CASE WHEN p.prokind = 'a' THEN NULL
            WHEN p.prosqlbody IS NOT NULL THEN pg_catalog.pg_get_function_sqlbody(p.oid)
            ELSE p.prosrc END AS body,
       pg_catalog.pg_get_userbyid(p.proowner) AS owner
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
JOIN pg_catalog.pg_language l ON l.oid = p.prolang
WHERE n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                    AND d.objid = p.oid AND d.deptype IN ('e', 'i'))
