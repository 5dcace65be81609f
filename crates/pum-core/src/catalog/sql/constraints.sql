-- Table constraints by definition: primary key, unique, foreign key (with
-- actions and deferrability), check, exclusion. NOT NULL is a column property.
SELECT n.nspname AS schema,
       c.relname || '.' || con.conname AS name,
       CASE con.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique'
                        WHEN 'f' THEN 'foreign key' WHEN 'c' THEN 'check'
                        WHEN 'x' THEN 'exclusion' WHEN 't' THEN 'trigger'
                        ELSE con.contype::text END AS type,
       pg_catalog.pg_get_constraintdef(con.oid, true) AS definition,
       CASE WHEN con.conislocal THEN NULL ELSE 'inherited' END AS inherited
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE con.contype <> 'n'
  AND n.nspname NOT IN ('information_schema')
  AND n.nspname NOT LIKE 'pg\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
