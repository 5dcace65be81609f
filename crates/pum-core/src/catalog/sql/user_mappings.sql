-- User mappings, named `USER server SERVER` (`public` for PUBLIC), with
-- their options sorted. Secret values never leave the server: an option
-- whose name contains "password" or "secret" is shown as `name=(hidden)`,
-- and `secrets` holds a SHA-256 of each such option, so that a changed
-- password is a difference without the password being read (pum never
-- prints `secrets`). Read from the pg_user_mappings view, which gives the
-- options only to those allowed to see them.
SELECT '' AS schema,
       CASE WHEN u.umuser = 0 THEN 'public' ELSE u.usename::text END || ' server ' || u.srvname AS name,
       (SELECT pg_catalog.string_agg(CASE WHEN pg_catalog.split_part(o, '=', 1) ~* '(password|secret)'
                                          THEN pg_catalog.split_part(o, '=', 1) || '=(hidden)' ELSE o END,
                                     ', ' ORDER BY o)
          FROM pg_catalog.unnest(u.umoptions) AS o) AS options,
       (SELECT pg_catalog.string_agg(pg_catalog.split_part(o, '=', 1) || ' '
                                     || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(o, 'UTF8')), 'hex'),
                                     ', ' ORDER BY o)
          FROM pg_catalog.unnest(u.umoptions) AS o
         WHERE pg_catalog.split_part(o, '=', 1) ~* '(password|secret)') AS secrets
FROM pg_catalog.pg_user_mappings u
WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass
                    AND d.objid = u.srvid AND d.deptype = 'e')
