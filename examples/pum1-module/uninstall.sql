-- Uninstall: the application, the data model and pum_migrations.
DROP SCHEMA IF EXISTS wn_app CASCADE;
DROP SCHEMA IF EXISTS wn_od CASCADE;
DROP SCHEMA IF EXISTS wn_sys CASCADE;
