-- Comments on any object, identified the way the server names objects.
SELECT CASE WHEN d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
            THEN o.identity ELSE o.schema END AS schema,
       o.type || ' ' || o.identity AS name,
       d.description AS comment
FROM pg_catalog.pg_description d,
     LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
WHERE coalesce(o.schema, '') NOT IN ('information_schema')
  AND coalesce(o.schema, '') NOT LIKE 'pg\_%'
  AND d.classoid <> 'pg_catalog.pg_database'::pg_catalog.regclass
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                  WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
  AND (o.schema IS NOT NULL OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)
