-- Event triggers: event, command tags (sorted), function, enabled state.
-- Not in a schema.
SELECT '' AS schema,
       e.evtname AS name,
       e.evtevent AS event,
       pg_catalog.array_to_string(ARRAY(SELECT x FROM pg_catalog.unnest(e.evttags) AS x ORDER BY x), ', ') AS tags,
       e.evtfoid::pg_catalog.regprocedure::text AS function,
       CASE e.evtenabled WHEN 'O' THEN 'enabled' WHEN 'D' THEN 'disabled'
                         WHEN 'R' THEN 'replica' WHEN 'A' THEN 'always' END AS enabled,
       pg_catalog.pg_get_userbyid(e.evtowner) AS owner
FROM pg_catalog.pg_event_trigger e
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_event_trigger'::pg_catalog.regclass
                    AND d.objid = e.oid AND d.deptype = 'e')
