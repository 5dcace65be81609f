//! The roles of a pum 1.x module (`.pum.yaml` `roles:`), created and
//! granted with the SQL of pum 1.9.2's `RoleManager`, statement for
//! statement and in its order:
//!
//! - a role is created when missing (`CREATE ROLE name NOSUPERUSER INHERIT
//!   NOCREATEDB NOCREATEROLE NOREPLICATION`, then `COMMENT ON ROLE` with
//!   its description); the membership of the role it inherits is asserted
//!   every time (`GRANT inherited TO role`);
//! - `read` on a schema: `USAGE` on it, `SELECT, REFERENCES, TRIGGER` on
//!   its tables, `USAGE, SELECT` on its sequences, `EXECUTE` on its
//!   functions and routines, and the same as default privileges (plus
//!   `USAGE` on types); `write`: `ALL` on all of them. A schema that does
//!   not exist is skipped with a warning, as pum 1.x does;
//! - with a suffix (`role --suffix lausanne`), the DB-specific roles
//!   `name_lausanne` are created and granted, mirroring the inheritance,
//!   and the generic roles are created without permissions.
//!
//! Every function works inside the caller's transaction and never commits.
//! Identifiers go through [`quote_ident`], values are bound parameters.

use super::config::{Config, Permission, Role};
use crate::error::{Error, Result};
use crate::pg::{quote_ident, quote_literal, Conn};

/// What the role functions report that does not stop them (a schema
/// that does not exist), in order.
pub type Warnings = Vec<String>;

/// Checks the roles as pum 1.x's `RoleManager` does when it is built: a
/// role may only inherit a role defined before it in the list.
pub fn check(config: &Config, yaml: &str) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for (i, r) in config.roles.iter().enumerate() {
        if let Some(parent) = &r.inherit {
            if !seen.contains(&parent.as_str()) {
                return Err(Error::invalid(format!(
                    "{yaml}: roles[{i}] ({}) inherits {parent}, which is not defined before it \
                     in `roles:` (pum 1.x: \"Inherited role {parent} does not exist in the \
                     already defined roles. Pay attention to the order of the roles in the \
                     list.\"); define {parent} first",
                    r.name
                )));
            }
        }
        seen.push(&r.name);
    }
    Ok(())
}

/// The configured roles named in `names` (every role when `None`), in
/// configuration order; an unknown name is an error naming the configured
/// ones (pum 1.x's `_resolve_roles`).
pub fn resolve<'c>(config: &'c Config, names: Option<&[String]>) -> Result<Vec<&'c Role>> {
    let Some(names) = names else {
        return Ok(config.roles.iter().collect());
    };
    let mut unknown: Vec<&str> = names
        .iter()
        .filter(|n| !config.roles.iter().any(|r| &r.name == *n))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        unknown.sort_unstable();
        unknown.dedup();
        let configured: Vec<&str> = config.roles.iter().map(|r| r.name.as_str()).collect();
        return Err(Error::invalid(format!(
            "Unknown role(s): {}. Configured roles: {}",
            unknown.join(", "),
            if configured.is_empty() {
                "none (the module defines no `roles:`)".to_string()
            } else {
                configured.join(", ")
            }
        )));
    }
    // Configuration order, as pum 1.x (a name given twice acts once... it
    // acts twice in pum 1.x, which is the same for idempotent SQL).
    Ok(names
        .iter()
        .filter_map(|n| config.roles.iter().find(|r| &r.name == n))
        .collect())
}

/// The name of `role` with `suffix` (`name_suffix`), or its own name.
pub fn role_name(role: &str, suffix: Option<&str>) -> String {
    match suffix {
        Some(s) if !s.is_empty() => format!("{role}_{s}"),
        _ => role.to_string(),
    }
}

fn exec(conn: &mut Conn, sql: &str) -> Result<()> {
    conn.execute(sql).map_err(Error::from)?;
    Ok(())
}

/// True when the role exists (`pg_roles`).
pub fn exists(conn: &mut Conn, name: &str) -> Result<bool> {
    let rows = conn
        .query("SELECT 1 FROM pg_roles WHERE rolname = $1", &[Some(name)])
        .map_err(Error::from)?;
    Ok(!rows.rows.is_empty())
}

fn schema_exists(conn: &mut Conn, schema: &str) -> Result<bool> {
    let rows = conn
        .query(
            "SELECT 1 FROM pg_namespace WHERE nspname = $1",
            &[Some(schema)],
        )
        .map_err(Error::from)?;
    Ok(!rows.rows.is_empty())
}

/// One role as pum 1.x's `Role.create`: created when missing (with its
/// comment), the membership of `inherit` asserted, `permissions` granted
/// when given.
fn create_one(
    conn: &mut Conn,
    name: &str,
    description: Option<&str>,
    inherit: Option<&str>,
    permissions: Option<&[Permission]>,
    warnings: &mut Warnings,
) -> Result<bool> {
    let created = !exists(conn, name)?;
    if created {
        exec(
            conn,
            &format!(
                "CREATE ROLE {} NOSUPERUSER INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION",
                quote_ident(name)
            ),
        )?;
        if let Some(d) = description.filter(|d| !d.is_empty()) {
            exec(
                conn,
                &format!(
                    "COMMENT ON ROLE {} IS {}",
                    quote_ident(name),
                    quote_literal(d)
                ),
            )?;
        }
    }
    if let Some(parent) = inherit {
        exec(
            conn,
            &format!("GRANT {} TO {}", quote_ident(parent), quote_ident(name)),
        )?;
    }
    if let Some(perms) = permissions {
        for p in perms {
            grant_permission(conn, p, name, warnings)?;
        }
    }
    Ok(created)
}

/// One role as pum 1.x's `RoleManager.create_roles` creates it.
struct Creation<'r> {
    name: String,
    description: Option<String>,
    inherit: Option<String>,
    permissions: Option<&'r [Permission]>,
}

/// The roles `create_roles` creates, in its order: with `suffix`, each
/// role's DB-specific one (with the permissions when `grant`) then the
/// generic one bare; without, each role with its permissions when `grant`.
fn creations<'r>(roles: &'r [Role], suffix: Option<&str>, grant: bool) -> Vec<Creation<'r>> {
    let suffix = suffix.filter(|s| !s.is_empty());
    let mut out = Vec::new();
    for r in roles {
        let permissions = grant.then_some(&r.permissions[..]);
        if let Some(s) = suffix {
            out.push(Creation {
                name: role_name(&r.name, Some(s)),
                description: r
                    .description
                    .as_deref()
                    .filter(|d| !d.is_empty())
                    .map(|d| format!("{d} (specific to {s})")),
                inherit: r.inherit.as_deref().map(|i| role_name(i, Some(s))),
                permissions,
            });
        }
        out.push(Creation {
            name: r.name.clone(),
            description: r.description.clone(),
            inherit: r.inherit.clone(),
            permissions: if suffix.is_some() { None } else { permissions },
        });
    }
    out
}

/// Creates the roles (pum 1.x's `RoleManager.create_roles`), granting
/// their permissions when `grant`. With `suffix`, the DB-specific roles
/// get the permissions and the generic ones are created bare. Returns the
/// roles created now (the others existed).
pub fn create_roles(
    conn: &mut Conn,
    roles: &[Role],
    suffix: Option<&str>,
    grant: bool,
    warnings: &mut Warnings,
) -> Result<Vec<String>> {
    let mut created = Vec::new();
    for c in creations(roles, suffix, grant) {
        let made = create_one(
            conn,
            &c.name,
            c.description.as_deref(),
            c.inherit.as_deref(),
            c.permissions,
            warnings,
        )?;
        if made {
            created.push(c.name);
        }
    }
    Ok(created)
}

/// The statements of pum 1.9.2's `Permission.grant` for one schema.
fn grant_sql(kind: &str, schema: &str, role: &str) -> String {
    let (s, r) = (quote_ident(schema), quote_ident(role));
    if kind == "write" {
        format!(
            "GRANT ALL ON SCHEMA {s} TO {r};\n\
             GRANT ALL ON ALL TABLES IN SCHEMA {s} TO {r};\n\
             GRANT ALL ON ALL SEQUENCES IN SCHEMA {s} TO {r};\n\
             GRANT ALL ON ALL FUNCTIONS IN SCHEMA {s} TO {r};\n\
             GRANT ALL ON ALL ROUTINES IN SCHEMA {s} TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON TABLES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON SEQUENCES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON FUNCTIONS TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON ROUTINES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT ALL ON TYPES TO {r};"
        )
    } else {
        format!(
            "GRANT USAGE ON SCHEMA {s} TO {r};\n\
             GRANT SELECT, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} TO {r};\n\
             GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r};\n\
             GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} TO {r};\n\
             GRANT EXECUTE ON ALL ROUTINES IN SCHEMA {s} TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, REFERENCES, TRIGGER ON TABLES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON SEQUENCES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT EXECUTE ON FUNCTIONS TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT EXECUTE ON ROUTINES TO {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE ON TYPES TO {r};"
        )
    }
}

/// The statements of pum 1.9.2's `revoke_permissions` for one schema.
fn revoke_sql(kind: &str, schema: &str, role: &str) -> String {
    let (s, r) = (quote_ident(schema), quote_ident(role));
    if kind == "write" {
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON TABLES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON SEQUENCES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON FUNCTIONS FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON ROUTINES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON TYPES FROM {r};\n\
             REVOKE ALL ON ALL ROUTINES IN SCHEMA {s} FROM {r};\n\
             REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {s} FROM {r};\n\
             REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r};\n\
             REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r};\n\
             REVOKE ALL ON SCHEMA {s} FROM {r};"
        )
    } else {
        format!(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE SELECT, REFERENCES, TRIGGER ON TABLES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE SELECT ON SEQUENCES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE EXECUTE ON FUNCTIONS FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE EXECUTE ON ROUTINES FROM {r};\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE USAGE ON TYPES FROM {r};\n\
             REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA {s} FROM {r};\n\
             REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA {s} FROM {r};\n\
             REVOKE USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} FROM {r};\n\
             REVOKE SELECT, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA {s} FROM {r};\n\
             REVOKE USAGE ON SCHEMA {s} FROM {r};"
        )
    }
}

/// Grants one permission to `role` on each of its schemas that exists.
///
/// pum 1.9.2 then looks up the schema's types to grant them one by one,
/// with `typname NOT LIKE '_%'`: `_` being LIKE's any-character, that
/// query never returns a row, so no such GRANT is ever sent; neither is it
/// here.
fn grant_permission(
    conn: &mut Conn,
    p: &Permission,
    role: &str,
    warnings: &mut Warnings,
) -> Result<()> {
    for schema in &p.schemas {
        if !schema_exists(conn, schema)? {
            warnings.push(format!(
                "Schema {schema} does not exist; skipping grant of {} permission to role {role}.",
                p.kind
            ));
            continue;
        }
        exec(conn, &grant_sql(&p.kind, schema, role))?;
    }
    Ok(())
}

/// Grants the permissions of `roles` (pum 1.x's `grant_permissions`), to
/// the suffixed roles when `suffix` is given. Returns the roles granted.
pub fn grant_permissions(
    conn: &mut Conn,
    roles: &[&Role],
    suffix: Option<&str>,
    warnings: &mut Warnings,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for r in roles {
        let name = role_name(&r.name, suffix);
        for p in &r.permissions {
            grant_permission(conn, p, &name, warnings)?;
        }
        names.push(name);
    }
    Ok(names)
}

/// A `DO` block that runs `body` when `condition` holds (else raises
/// `otherwise` as a notice): what the roles code sends on a session that
/// cannot answer queries (the Python worker's), where the catalog must be
/// read as the transaction sees it.
fn do_if(condition: &str, body: &str, otherwise: Option<&str>) -> String {
    let notice = otherwise
        .map(|w| format!(" ELSE RAISE NOTICE '%', {};", quote_literal(w)))
        .unwrap_or_default();
    let inner = format!(" BEGIN IF {condition} THEN {body}{notice} END IF; END ");
    let mut tag = String::from("pum");
    while inner.contains(&format!("${tag}$")) {
        tag.push('_');
    }
    format!("DO ${tag}${inner}${tag}$")
}

/// [`create_one`] as statements that decide on the server.
fn create_one_sql(
    out: &mut Vec<String>,
    name: &str,
    description: Option<&str>,
    inherit: Option<&str>,
    permissions: Option<&[Permission]>,
) {
    let mut body = format!(
        "CREATE ROLE {} NOSUPERUSER INHERIT NOCREATEDB NOCREATEROLE NOREPLICATION;",
        quote_ident(name)
    );
    if let Some(d) = description.filter(|d| !d.is_empty()) {
        body.push_str(&format!(
            " COMMENT ON ROLE {} IS {};",
            quote_ident(name),
            quote_literal(d)
        ));
    }
    let missing = format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {})",
        quote_literal(name)
    );
    out.push(do_if(&missing, &body, None));
    if let Some(parent) = inherit {
        out.push(format!(
            "GRANT {} TO {}",
            quote_ident(parent),
            quote_ident(name)
        ));
    }
    for p in permissions.unwrap_or_default() {
        grant_permission_sql(out, p, name);
    }
}

/// [`grant_permission`] as statements that decide on the server.
fn grant_permission_sql(out: &mut Vec<String>, p: &Permission, role: &str) {
    for schema in &p.schemas {
        let present = format!(
            "EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {})",
            quote_literal(schema)
        );
        let warning = format!(
            "Schema {schema} does not exist; skipping grant of {} permission to role {role}.",
            p.kind
        );
        out.push(do_if(
            &present,
            &grant_sql(&p.kind, schema, role),
            Some(&warning),
        ));
    }
}

/// [`create_roles`] as statements for a session that cannot answer
/// queries: the same roles, comments, memberships and grants, each
/// decided by the server as the transaction sees the catalog; the
/// warnings come as notices.
pub fn create_roles_sql(roles: &[Role], suffix: Option<&str>, grant: bool) -> Vec<String> {
    let mut out = Vec::new();
    for c in creations(roles, suffix, grant) {
        create_one_sql(
            &mut out,
            &c.name,
            c.description.as_deref(),
            c.inherit.as_deref(),
            c.permissions,
        );
    }
    out
}

/// [`grant_permissions`] as statements for a session that cannot answer
/// queries (see [`create_roles_sql`]).
pub fn grant_permissions_sql(roles: &[&Role], suffix: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for r in roles {
        let name = role_name(&r.name, suffix);
        for p in &r.permissions {
            grant_permission_sql(&mut out, p, &name);
        }
    }
    out
}

/// The permissions of `role` and of every role it inherits, nearest first.
fn all_permissions<'c>(config: &'c Config, role: &'c Role) -> Vec<&'c Permission> {
    let mut out: Vec<&Permission> = role.permissions.iter().collect();
    let mut parent = role.inherit.as_deref();
    let mut guard = 0;
    while let Some(p) = parent {
        let Some(r) = config.roles.iter().find(|r| r.name == p) else {
            break;
        };
        out.extend(r.permissions.iter());
        parent = r.inherit.as_deref();
        guard += 1;
        if guard > config.roles.len() {
            break;
        }
    }
    out
}

/// The roles `user` is a member of, by name.
pub fn memberships_of(conn: &mut Conn, user: &str) -> Result<Vec<String>> {
    column(
        conn,
        "SELECT r.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid \
         JOIN pg_roles m ON m.oid = am.member WHERE m.rolname = $1 ORDER BY r.rolname",
        &[Some(user)],
    )
}

/// The login roles that are members of `role`, by name.
pub fn members_of(conn: &mut Conn, role: &str) -> Result<Vec<String>> {
    column(
        conn,
        "SELECT m.rolname FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid \
         JOIN pg_roles m ON m.oid = am.member WHERE r.rolname = $1 AND m.rolcanlogin \
         ORDER BY m.rolname",
        &[Some(role)],
    )
}

/// The login roles that are not superusers (`pg_*` left out), by name.
pub fn login_roles(conn: &mut Conn) -> Result<Vec<String>> {
    column(
        conn,
        "SELECT rolname FROM pg_roles WHERE rolcanlogin AND NOT rolsuper \
         AND rolname NOT LIKE 'pg\\_%' ORDER BY rolname",
        &[],
    )
}

fn column(conn: &mut Conn, sql: &str, params: &[Option<&str>]) -> Result<Vec<String>> {
    let rows = conn.query(sql, params).map_err(Error::from)?;
    Ok(rows
        .rows
        .into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect())
}

/// Revokes the permissions of `roles` and of the roles they inherit, then
/// every membership of those roles (pum 1.x's `revoke_permissions`).
/// Returns the roles acted on.
pub fn revoke_permissions(
    conn: &mut Conn,
    config: &Config,
    roles: &[&Role],
    suffix: Option<&str>,
    warnings: &mut Warnings,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for r in roles {
        let name = role_name(&r.name, suffix);
        for p in all_permissions(config, r) {
            for schema in &p.schemas {
                if !schema_exists(conn, schema)? {
                    warnings.push(format!(
                        "Schema {schema} does not exist; skipping revoke for role {name}."
                    ));
                    continue;
                }
                exec(conn, &revoke_sql(&p.kind, schema, &name))?;
            }
        }
        names.push(name);
    }
    for name in &names {
        for parent in memberships_of(conn, name)? {
            exec(
                conn,
                &format!("REVOKE {} FROM {}", quote_ident(&parent), quote_ident(name)),
            )?;
        }
    }
    Ok(names)
}

/// Drops `roles` after revoking their permissions (pum 1.x's
/// `drop_roles`); with `force`, what they own is reassigned to the
/// current user and what remains (privileges in this database) dropped
/// first. Returns the roles acted on.
pub fn drop_roles(
    conn: &mut Conn,
    config: &Config,
    roles: &[&Role],
    suffix: Option<&str>,
    force: bool,
    warnings: &mut Warnings,
) -> Result<Vec<String>> {
    let names = revoke_permissions(conn, config, roles, suffix, warnings)?;
    for name in &names {
        if force {
            exec(
                conn,
                &format!("REASSIGN OWNED BY {} TO CURRENT_USER", quote_ident(name)),
            )?;
            exec(conn, &format!("DROP OWNED BY {}", quote_ident(name)))?;
        }
        exec(conn, &format!("DROP ROLE IF EXISTS {}", quote_ident(name)))?;
    }
    Ok(names)
}

/// Makes `to` a member of `roles` (`GRANT role TO to`). Returns the roles.
pub fn grant_to(
    conn: &mut Conn,
    roles: &[&Role],
    suffix: Option<&str>,
    to: &str,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for r in roles {
        let name = role_name(&r.name, suffix);
        exec(
            conn,
            &format!("GRANT {} TO {}", quote_ident(&name), quote_ident(to)),
        )?;
        names.push(name);
    }
    Ok(names)
}

/// Ends the membership of `from` in `roles` (`REVOKE role FROM from`).
/// Returns the roles.
pub fn revoke_from(
    conn: &mut Conn,
    roles: &[&Role],
    suffix: Option<&str>,
    from: &str,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for r in roles {
        let name = role_name(&r.name, suffix);
        exec(
            conn,
            &format!("REVOKE {} FROM {}", quote_ident(&name), quote_ident(from)),
        )?;
        names.push(name);
    }
    Ok(names)
}

/// `CREATE ROLE name LOGIN` (pum 1.x's `create_login_role`, without a
/// password as on its command line).
pub fn create_login(conn: &mut Conn, name: &str) -> Result<()> {
    exec(conn, &format!("CREATE ROLE {} LOGIN", quote_ident(name)))
}

/// `DROP ROLE IF EXISTS name` (pum 1.x's `drop_login_role`).
pub fn drop_login(conn: &mut Conn, name: &str) -> Result<()> {
    exec(conn, &format!("DROP ROLE IF EXISTS {}", quote_ident(name)))
}

/// What a role can do on a schema (pum 1.x's `SchemaPermissionStatus`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SchemaAccess {
    /// The schema.
    pub schema: String,
    /// `read` or `write` when the configuration expects it.
    pub expected: Option<String>,
    /// USAGE on the schema and SELECT on all its tables and views.
    pub read: bool,
    /// CREATE on the schema and INSERT, UPDATE, DELETE on all its tables.
    pub write: bool,
}

impl SchemaAccess {
    /// True when what the role has matches what is expected.
    pub fn satisfied(&self) -> bool {
        match self.expected.as_deref() {
            Some("read") => self.read,
            Some("write") => self.write,
            _ => true,
        }
    }
}

/// A role found in the database (pum 1.x's `RoleStatus`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct RoleStatus {
    /// Its name.
    pub name: String,
    /// The configured role it is (or a variant of), if any.
    pub configured: Option<String>,
    /// The suffix of a DB-specific variant (empty for a generic role).
    pub suffix: String,
    /// Its access to each schema.
    pub schemas: Vec<SchemaAccess>,
    /// The roles it is a member of.
    pub member_of: Vec<String>,
    /// A superuser.
    pub superuser: bool,
    /// It can log in.
    pub login: bool,
}

/// What `role list` shows (pum 1.x's `RoleInventory`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Inventory {
    /// The configured roles found, generic and suffixed.
    pub configured: Vec<RoleStatus>,
    /// Configured roles not found in the database.
    pub missing: Vec<String>,
    /// Other roles that are members of a configured role.
    pub grantees: Vec<RoleStatus>,
    /// Other roles with access to a configured schema.
    pub others: Vec<RoleStatus>,
    /// Login roles (not superusers) without access to any configured schema.
    pub other_logins: Vec<String>,
}

fn flag(conn: &mut Conn, sql: &str, params: &[Option<&str>]) -> Result<bool> {
    let rows = conn.query(sql, params).map_err(Error::from)?;
    Ok(rows.scalar() == Some("t"))
}

fn has_read(conn: &mut Conn, role: &str, schema: &str) -> Result<bool> {
    if !flag(
        conn,
        "SELECT has_schema_privilege($1, $2, 'USAGE')",
        &[Some(role), Some(schema)],
    )? {
        return Ok(false);
    }
    // No table: USAGE is enough (bool_and of nothing is NULL, read as true).
    let rows = conn
        .query(
            "SELECT coalesce(bool_and(has_table_privilege($1, n.nspname || '.' || c.relname, \
             'SELECT')), true) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $2 AND c.relkind IN ('r', 'v', 'm')",
            &[Some(role), Some(schema)],
        )
        .map_err(Error::from)?;
    Ok(rows.scalar() == Some("t"))
}

fn has_write(conn: &mut Conn, role: &str, schema: &str) -> Result<bool> {
    if !flag(
        conn,
        "SELECT has_schema_privilege($1, $2, 'CREATE')",
        &[Some(role), Some(schema)],
    )? {
        return Ok(false);
    }
    let rows = conn
        .query(
            "SELECT coalesce(bool_and(has_table_privilege($1, n.nspname || '.' || c.relname, \
             'INSERT') AND has_table_privilege($1, n.nspname || '.' || c.relname, 'UPDATE') \
             AND has_table_privilege($1, n.nspname || '.' || c.relname, 'DELETE')), true) \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $2 AND c.relkind = 'r'",
            &[Some(role), Some(schema)],
        )
        .map_err(Error::from)?;
    Ok(rows.scalar() == Some("t"))
}

/// The module's roles in the database and every other role with access to
/// its schemas (pum 1.x's `roles_inventory`); superusers are left out
/// unless `include_superusers`.
pub fn inventory(conn: &mut Conn, config: &Config, include_superusers: bool) -> Result<Inventory> {
    let mut schemas: Vec<String> = config
        .roles
        .iter()
        .flat_map(|r| r.permissions.iter().flat_map(|p| p.schemas.iter().cloned()))
        .collect();
    schemas.sort();
    schemas.dedup();
    let mut statuses = Vec::new();
    let mut known: Vec<String> = Vec::new();
    for r in &config.roles {
        let like = format!("{}\\_%", r.name);
        let found = column(
            conn,
            "SELECT rolname FROM pg_roles WHERE rolname = $1 OR rolname LIKE $2 ORDER BY rolname",
            &[Some(&r.name), Some(&like)],
        )?;
        let has_suffixed = found.iter().any(|n| n != &r.name);
        for name in found {
            let check = !(has_suffixed && name == r.name);
            let login = flag(
                conn,
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1",
                &[Some(&name)],
            )?;
            let member_of = memberships_of(conn, &name)?;
            let mut access = Vec::new();
            for p in &r.permissions {
                for s in &p.schemas {
                    access.push(SchemaAccess {
                        schema: s.clone(),
                        expected: check.then(|| p.kind.clone()),
                        read: has_read(conn, &name, s)?,
                        write: has_write(conn, &name, s)?,
                    });
                }
            }
            let suffix = if name == r.name {
                String::new()
            } else {
                name[r.name.len() + 1..].to_string()
            };
            known.push(name.clone());
            statuses.push(RoleStatus {
                name,
                configured: Some(r.name.clone()),
                suffix,
                schemas: access,
                member_of,
                superuser: false,
                login,
            });
        }
    }
    let mut unknown = Vec::new();
    if !schemas.is_empty() {
        let array = format!(
            "{{{}}}",
            schemas
                .iter()
                .map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")))
                .collect::<Vec<_>>()
                .join(",")
        );
        let sql = if include_superusers {
            "SELECT DISTINCT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_namespace n \
             CROSS JOIN pg_roles r WHERE n.nspname = ANY($1::text[]) AND (r.rolsuper OR \
             has_schema_privilege(r.rolname, n.nspname, 'USAGE')) AND r.rolname NOT LIKE 'pg_%' \
             ORDER BY r.rolname"
        } else {
            "SELECT DISTINCT r.rolname, r.rolsuper, r.rolcanlogin FROM pg_namespace n \
             CROSS JOIN pg_roles r WHERE n.nspname = ANY($1::text[]) AND \
             has_schema_privilege(r.rolname, n.nspname, 'USAGE') AND NOT r.rolsuper \
             AND r.rolname NOT LIKE 'pg_%' ORDER BY r.rolname"
        };
        let rows = conn.query(sql, &[Some(&array)]).map_err(Error::from)?;
        for row in rows.rows {
            let name = row[0].clone().unwrap_or_default();
            if known.contains(&name) {
                continue;
            }
            let superuser = row[1].as_deref() == Some("t");
            let login = row[2].as_deref() == Some("t");
            let mut access = Vec::new();
            for s in &schemas {
                access.push(SchemaAccess {
                    schema: s.clone(),
                    expected: None,
                    read: has_read(conn, &name, s)?,
                    write: has_write(conn, &name, s)?,
                });
            }
            let member_of = memberships_of(conn, &name)?;
            unknown.push(RoleStatus {
                name,
                configured: None,
                suffix: String::new(),
                schemas: access,
                member_of,
                superuser,
                login,
            });
        }
    }
    let mut other_logins = Vec::new();
    for name in column(
        conn,
        "SELECT r.rolname FROM pg_roles r WHERE r.rolcanlogin AND NOT r.rolsuper \
         AND r.rolname NOT LIKE 'pg_%' ORDER BY r.rolname",
        &[],
    )? {
        if known.contains(&name) || unknown.iter().any(|u| u.name == name) {
            continue;
        }
        let mut access = false;
        for s in &schemas {
            if flag(
                conn,
                "SELECT has_schema_privilege($1, $2, 'USAGE')",
                &[Some(&name), Some(s)],
            )? {
                access = true;
                break;
            }
        }
        if !access {
            other_logins.push(name);
        }
    }
    let configured_names: Vec<String> = statuses.iter().map(|s| s.name.clone()).collect();
    let (grantees, others): (Vec<RoleStatus>, Vec<RoleStatus>) = unknown
        .into_iter()
        .partition(|u| u.member_of.iter().any(|g| configured_names.contains(g)));
    let missing = config
        .roles
        .iter()
        .filter(|r| {
            !statuses
                .iter()
                .any(|s| s.configured.as_deref() == Some(&r.name))
        })
        .map(|r| r.name.clone())
        .collect();
    Ok(Inventory {
        configured: statuses,
        missing,
        grantees,
        others,
        other_logins,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(yaml: &str) -> Config {
        super::super::config::parse(yaml, Path::new(".pum.yaml")).unwrap()
    }

    #[test]
    fn a_role_inherits_only_a_role_defined_before_it() {
        let c = config(
            "pum: {module: m}\nroles:\n  - {name: u, inherit: v, permissions: [{type: write, schemas: [a]}]}\n  - {name: v, permissions: [{type: read, schemas: [a]}]}\n",
        );
        let e = check(&c, ".pum.yaml").unwrap_err().to_string();
        assert!(e.contains("roles[0] (u) inherits v"), "{e}");
        let c = config(
            "pum: {module: m}\nroles:\n  - {name: v, permissions: [{type: read, schemas: [a]}]}\n  - {name: u, inherit: v, permissions: [{type: write, schemas: [a]}]}\n",
        );
        check(&c, ".pum.yaml").unwrap();
        assert_eq!(all_permissions(&c, &c.roles[1]).len(), 2);
        let e = resolve(&c, Some(&["x".into(), "v".into()]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Unknown role(s): x. Configured roles: v, u"),
            "{e}"
        );
        assert_eq!(resolve(&c, Some(&["u".into()])).unwrap()[0].name, "u");
    }

    #[test]
    fn grants_are_pum_1_statements_with_quoted_names() {
        let g = grant_sql("read", "my schema", "r\"x");
        assert!(g.starts_with("GRANT USAGE ON SCHEMA \"my schema\" TO \"r\"\"x\";"));
        assert_eq!(g.lines().count(), 10);
        assert!(grant_sql("write", "s", "r")
            .contains("ALTER DEFAULT PRIVILEGES IN SCHEMA \"s\" GRANT ALL ON TYPES TO \"r\";"));
        assert_eq!(revoke_sql("write", "s", "r").lines().count(), 10);
        assert_eq!(role_name("tww_user", Some("lausanne")), "tww_user_lausanne");
        assert_eq!(role_name("tww_user", None), "tww_user");
    }
}
