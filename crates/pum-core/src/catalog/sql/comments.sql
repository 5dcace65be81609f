-- Comments on any object, identified the way the server names objects.
-- Objects initdb creates (OID below 16384, FirstNormalObjectId) are skipped
-- before they are identified, which is most of the work otherwise; the one
-- such object a user may comment on outside the system schemas is the
-- public schema. System schemas (and comments on them) are left out, as
-- are extension members and objects that are not in a schema.
SELECT c.schema, c.name, c.comment
FROM (SELECT CASE WHEN d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass
                  THEN o.identity ELSE o.schema END AS schema,
             o.type || ' ' || o.identity AS name,
             d.description AS comment
      FROM pg_catalog.pg_description d,
           LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
      WHERE (d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)
        AND d.classoid <> 'pg_catalog.pg_database'::pg_catalog.regclass
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                        WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
     ) AS c
WHERE c.schema IS NOT NULL
  AND c.schema NOT IN ('information_schema')
  AND c.schema NOT LIKE 'pg\_%'
