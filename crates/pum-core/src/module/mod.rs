//! pum 1.x modules: the format of the Python pum 1.x (the TEKSI
//! wastewater data model uses it), run on pum's one engine
//! ([`crate::apply::runner`]) as one more source of scripts.
//!
//! A module is a directory holding `.pum.yaml` ([`config`]: the module's
//! name, the schema of its `pum_migrations` table, parameters, application
//! hooks, roles...) and `changelogs/<version>/*.sql` ([`changelog`]). Its
//! SQL is read exactly as pum 1.x reads it ([`sql`]: comments removed,
//! statements split, `{name}` parameters written as literals), and its
//! history is pum 1.x's `pum_migrations` table ([`table`]), one row per
//! version, so a database moves between Python pum 1.x and this pum in both
//! directions.
//!
//! [`ops`] holds the commands: `info`, `install`, `upgrade`, `baseline`;
//! [`hooks`] runs Python hooks, and [`session`] is where a run's SQL goes.
//! [`app`](mod@app) `app`, `uninstall`, `role` and demo data; [`roles`] the
//! roles and grants, with pum 1.9.2's SQL.

pub mod app;
pub mod changelog;
pub mod config;
pub mod hooks;
pub mod ops;
pub mod params;
pub mod pep440;
pub mod roles;
pub mod session;
pub mod sql;
pub mod table;
pub mod yaml;

pub use app::{
    app, role, uninstall, AppAction, AppOptions, HooksReport, RoleAction, RoleOptions, RoleReport,
    UninstallOptions,
};
pub use ops::{
    baseline, info, install, upgrade, BaselineOptions, BaselineReport, InfoOptions, InstallOptions,
    Location, Module, ModuleFailure, ModuleInfo, RunModuleOptions, RunReport, UpgradeOptions,
};
