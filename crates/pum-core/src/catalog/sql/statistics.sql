-- Extended statistics objects (CREATE STATISTICS) by definition, with their
-- statistics target where one is set.
SELECT n.nspname AS schema,
       s.stxname AS name,
       pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition,
       CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget::text END AS statistics,
       pg_catalog.pg_get_userbyid(s.stxowner) AS owner
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
WHERE n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass
                    AND d.objid = s.oid AND d.deptype = 'e')
