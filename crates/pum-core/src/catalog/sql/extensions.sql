-- Installed extensions (plpgsql comes with every database and is left out).
SELECT n.nspname AS schema,
       e.extname AS name,
       e.extversion AS version
FROM pg_catalog.pg_extension e
JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
WHERE e.extname <> 'plpgsql'
