-- Unqualified names land in the tenant's schema (search_path); %(schema)s is its name.
CREATE TABLE settings (tenant text, key text, value text);
INSERT INTO settings VALUES (%(schema)s, 'created_by', 'pum');
