-- Tables (ordinary, partitioned, foreign) with their options, partitioning,
-- inheritance, row-level security switches, replica identity, owner, and
-- for foreign tables their server and options.
SELECT n.nspname AS schema,
       c.relname AS name,
       CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table'
                      WHEN 'f' THEN 'foreign table' END AS relkind,
       CASE c.relpersistence WHEN 'u' THEN 'unlogged' ELSE 'logged' END AS persistence,
       pg_catalog.array_to_string(c.reloptions, ', ') AS options,
       CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partition_key,
       CASE WHEN c.relispartition THEN pg_catalog.pg_get_expr(c.relpartbound, c.oid) END AS partition_bound,
       (SELECT pg_catalog.string_agg(pc.oid::pg_catalog.regclass::text, ', ' ORDER BY i.inhseqno)
          FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
         WHERE i.inhrelid = c.oid) AS inherits,
       CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END AS row_security,
       CASE WHEN c.relforcerowsecurity THEN 'forced' ELSE 'not forced' END AS force_row_security,
       CASE c.relreplident WHEN 'n' THEN 'nothing' WHEN 'f' THEN 'full'
            WHEN 'i' THEN (SELECT 'index ' || i.relname FROM pg_catalog.pg_index x
                             JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
                            WHERE x.indrelid = c.oid AND x.indisreplident) END AS replica_identity,
       CASE WHEN c.relam <> 0 AND am.amname <> 'heap' THEN am.amname END AS access_method,
       pg_catalog.pg_get_userbyid(c.relowner) AS owner,
       fs.srvname AS server,
       CASE WHEN ft.ftoptions IS NOT NULL
            THEN (SELECT pg_catalog.string_agg(o, ', ' ORDER BY o) FROM pg_catalog.unnest(ft.ftoptions) AS o) END AS fdw_options
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
WHERE c.relkind IN ('r', 'p', 'f')
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
