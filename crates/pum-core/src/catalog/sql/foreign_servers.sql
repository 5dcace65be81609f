-- Foreign servers: wrapper, type, version and options (sorted). Not in a
-- schema.
SELECT '' AS schema,
       s.srvname AS name,
       w.fdwname AS wrapper,
       s.srvtype AS type,
       s.srvversion AS version,
       (SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) FROM pg_catalog.unnest(s.srvoptions) AS o) AS options,
       pg_catalog.pg_get_userbyid(s.srvowner) AS owner
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND d.objid = s.oid AND d.deptype = 'e')
