-- PostgreSQL 13: subscriptions.sql without options (binary and streaming
-- are new in 14), and without synchronous_commit, which only superusers may
-- read there: subscription_connections.before14.sql reads it.
-- Subscriptions of this database: publications (sorted), enabled state,
-- slot, and options. The connection string is read apart
-- (subscription_connections.sql), by roles allowed to. Not in a schema.
-- Options by major: binary and streaming are new in 14, two_phase and
-- disable_on_error in 15, password_required, run_as_owner, origin and
-- parallel streaming in 16, failover in 17.
SELECT '' AS schema,
       s.subname AS name,
       pg_catalog.array_to_string(ARRAY(SELECT x FROM pg_catalog.unnest(s.subpublications) AS x ORDER BY x), ', ') AS publications,
       CASE WHEN s.subenabled THEN 'enabled' ELSE 'disabled' END AS enabled,
       coalesce(s.subslotname::text, 'none') AS slot_name,
       pg_catalog.pg_get_userbyid(s.subowner) AS owner
FROM pg_catalog.pg_subscription s
WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
