-- PostgreSQL 16: collations.sql with colliculocale (renamed colllocale in 17).
-- Collations: provider, determinism and locale settings (not the encoding,
-- which pg_dump does not keep, nor the
-- provider's version, which belongs to the machine). pg_collation.colllocale
-- is 17's name for 15's colliculocale; collicurules is new in 16.
SELECT n.nspname AS schema,
       co.collname AS name,
       CASE co.collprovider WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin'
                            WHEN 'd' THEN 'default' END AS provider,
       CASE WHEN co.collisdeterministic THEN 'deterministic' ELSE 'nondeterministic' END AS deterministic,
       co.collcollate AS lc_collate,
       co.collctype AS lc_ctype,
       co.colliculocale AS locale,
       co.collicurules AS icu_rules,
       pg_catalog.pg_get_userbyid(co.collowner) AS owner
FROM pg_catalog.pg_collation co
JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
WHERE n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_collation'::pg_catalog.regclass
                    AND d.objid = co.oid AND d.deptype = 'e')
