-- Comments on any object, identified the way the server names objects.
-- Objects initdb creates (OID below 16384, FirstNormalObjectId) are skipped
-- before they are identified, which is most of the work otherwise; the one
-- such object a user may comment on outside the system schemas is the
-- public schema. Triggers, rules and policies take the schema of their
-- table; objects outside schemas (event triggers, publications, foreign
-- servers, casts...) have the schema ''. Subscriptions are shared objects:
-- their comments are in pg_shdescription. Left out: system schemas,
-- extension members, and extensions themselves (their comment comes with
-- their script).
SELECT c.schema, c.name, c.comment
FROM (SELECT coalesce(CASE WHEN d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass THEN o.identity END,
                      o.schema,
                      CASE d.classoid
                        WHEN 'pg_catalog.pg_trigger'::pg_catalog.regclass
                          THEN (SELECT n.nspname FROM pg_catalog.pg_trigger t
                                  JOIN pg_catalog.pg_class r ON r.oid = t.tgrelid
                                  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                 WHERE t.oid = d.objoid)
                        WHEN 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                          THEN (SELECT n.nspname FROM pg_catalog.pg_rewrite w
                                  JOIN pg_catalog.pg_class r ON r.oid = w.ev_class
                                  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                 WHERE w.oid = d.objoid)
                        WHEN 'pg_catalog.pg_policy'::pg_catalog.regclass
                          THEN (SELECT n.nspname FROM pg_catalog.pg_policy p
                                  JOIN pg_catalog.pg_class r ON r.oid = p.polrelid
                                  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                 WHERE p.oid = d.objoid)
                      END,
                      '') AS schema,
             o.type || ' ' || o.identity AS name,
             d.description AS comment
      FROM pg_catalog.pg_description d,
           LATERAL pg_catalog.pg_identify_object(d.classoid, d.objoid, d.objsubid) AS o
      WHERE (d.objoid >= 16384 OR d.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass)
        AND d.classoid <> 'pg_catalog.pg_database'::pg_catalog.regclass
        AND d.classoid <> 'pg_catalog.pg_extension'::pg_catalog.regclass
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                        WHERE e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e')
      UNION ALL
      -- (pg_subscription.oid is for superusers only on 13: matched by name.)
      SELECT '', 'subscription ' || so.identity, sd.description
      FROM pg_catalog.pg_shdescription sd,
           LATERAL pg_catalog.pg_identify_object(sd.classoid, sd.objoid, 0) AS so
      WHERE sd.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass
        AND EXISTS (SELECT 1 FROM pg_catalog.pg_subscription s
                    WHERE s.subname = so.name
                      AND s.subdbid = (SELECT db.oid FROM pg_catalog.pg_database db
                                        WHERE db.datname = pg_catalog.current_database()))
     ) AS c
WHERE c.schema NOT IN ('information_schema')
  AND c.schema NOT LIKE 'pg\_%'
