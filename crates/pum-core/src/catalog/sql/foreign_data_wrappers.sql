-- Foreign-data wrappers: handler, validator and options (sorted). They are
-- not in a schema. Those an extension creates (postgres_fdw's) are left out.
SELECT '' AS schema,
       w.fdwname AS name,
       CASE WHEN w.fdwhandler <> 0 THEN w.fdwhandler::pg_catalog.regproc::text END AS handler,
       CASE WHEN w.fdwvalidator <> 0 THEN w.fdwvalidator::pg_catalog.regproc::text END AS validator,
       (SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) FROM pg_catalog.unnest(w.fdwoptions) AS o) AS options,
       pg_catalog.pg_get_userbyid(w.fdwowner) AS owner
FROM pg_catalog.pg_foreign_data_wrapper w
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass
                    AND d.objid = w.oid AND d.deptype = 'e')
