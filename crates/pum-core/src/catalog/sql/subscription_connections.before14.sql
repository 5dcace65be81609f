-- PostgreSQL 13: subscription_connections.sql with synchronous_commit,
-- which only superusers may read there (from 14 on, anyone).
-- The connection strings of this database's subscriptions, read only when
-- the role may (pg_subscription.subconninfo is readable by superusers
-- only). The password never leaves the server: it is shown as `(hidden)`
-- (in `password=...` and in a URI's user:password@), and `secrets` holds
-- its SHA-256, so that a changed password is a difference without the
-- password being read (pum never prints `secrets`).
SELECT '' AS schema,
       c.name,
       pg_catalog.regexp_replace(
         pg_catalog.regexp_replace(c.conninfo, '(password\s*=\s*)(''(\\.|[^''])*''|[^\s&]+)', '\1(hidden)', 'gi'),
         '^([a-z]+://[^:/@?]*:)[^@/?]*@', '\1(hidden)@', 'i') AS conninfo,
       (SELECT 'password ' || pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(x.p, 'UTF8')), 'hex')
          FROM (SELECT coalesce((pg_catalog.regexp_match(c.conninfo, 'password\s*=\s*(''(?:\\.|[^''])*''|[^\s&]+)', 'i'))[1],
                                (pg_catalog.regexp_match(c.conninfo, '^[a-z]+://[^:/@?]*:([^@/?]*)@', 'i'))[1]) AS p) AS x
         WHERE x.p IS NOT NULL) AS secrets,
       c.synchronous_commit
FROM (SELECT s.subname AS name, s.subconninfo AS conninfo, s.subsynccommit AS synchronous_commit
        FROM pg_catalog.pg_subscription s
       WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())) AS c
