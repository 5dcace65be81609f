//! pum-core: the engine of pum, the PostgreSQL upgrades manager.
//!
//! pum keeps the version of a data model inside the database (the upgrades
//! table, compatible with pum 0.x) and applies versioned SQL and Python
//! delta files in order. This crate is everything a program needs to drive
//! that; the `pum` binary is a thin command-line layer over it.
//!
//! The flow of an upgrade reads like a checklist: connect, take the
//! advisory lock, read the upgrades table, [`delta::discover`] the delta
//! files, build a [`plan::Plan`] (pure), then [`apply`] it, reporting
//! progress through an [`Observer`].
//!
//! Two more sources of scripts sit beside the delta files: creation trees
//! ([`tree`], numbered subdirectories of SQL files) and ordinal deployments
//! ([`deployment`], `00000-name.sql` files recorded in `tbl_deployments`).
//!
//! pum 1.x modules ([`module`]: `.pum.yaml`, changelogs, `pum_migrations`)
//! are one more source on the same runner.
//! Beside versioned upgrades, [`cm`] is change management for many
//! databases and schemas at once (what psql-cm did): a control table per
//! schema, changes submitted to every schema, dumped to and restored from
//! a tree of SQL files.
//!
//! The library never prints: it returns data and reports events.

#![warn(missing_docs)]
// Server errors carry every field libpq gives; they are large, but they are
// the cold path, and a statement's round trip dwarfs copying them.
#![allow(clippy::result_large_err)]

pub mod apply;
pub mod catalog;
pub mod cm;
pub mod compare;
pub mod config;
pub mod create;
pub mod delta;
pub mod deploy;
pub mod deployment;
pub mod dump;
pub mod engine;
pub mod error;
pub mod event;
pub mod fleet;
pub mod history;
pub mod interrupt;
pub mod module;
pub(crate) mod parallel;
pub mod pg;
pub mod plan;
pub mod rehearse;
pub mod sandbox;
pub mod script;
pub mod service_file;
pub mod tempfiles;
pub mod tree;
pub mod vars;
pub mod version;

pub use error::{Error, Result};
pub use event::{Event, Observer};
pub use version::Version;
