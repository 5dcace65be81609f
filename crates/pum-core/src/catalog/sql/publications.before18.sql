-- PostgreSQL 15 to 17: publications.sql without generated columns
-- (pg_publication.pubgencols is new in 18).
-- Publications: FOR ALL TABLES, the operations published, whether changes
-- go out as the partition root's, generated columns (18), and their tables
-- (each with its column list and row filter, new in 15) and schemas (FOR
-- TABLES IN SCHEMA, new in 15), sorted. Not in a schema.
SELECT '' AS schema,
       p.pubname AS name,
       CASE WHEN p.puballtables THEN 'all tables' END AS all_tables,
       pg_catalog.concat_ws(', ', CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
                            CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END) AS publish,
       CASE WHEN p.pubviaroot THEN 'via partition root' END AS via_root,
       (SELECT pg_catalog.string_agg(r.item, ', ' ORDER BY r.item)
          FROM (SELECT pr.prrelid::pg_catalog.regclass::text
                       || coalesce(' (' || (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
                                              FROM pg_catalog.pg_attribute a
                                             WHERE a.attrelid = pr.prrelid AND a.attnum = ANY (pr.prattrs::pg_catalog.int2[])) || ')', '')
                       || coalesce(' WHERE (' || pg_catalog.pg_get_expr(pr.prqual, pr.prrelid) || ')', '') AS item
                  FROM pg_catalog.pg_publication_rel pr WHERE pr.prpubid = p.oid) AS r) AS tables,
       (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(n.nspname), ', ' ORDER BY n.nspname)
          FROM pg_catalog.pg_publication_namespace pn
          JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid
         WHERE pn.pnpubid = p.oid) AS schemas,
       pg_catalog.pg_get_userbyid(p.pubowner) AS owner
FROM pg_catalog.pg_publication p
