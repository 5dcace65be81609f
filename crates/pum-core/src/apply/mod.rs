//! Running scripts: [`runner`] runs an ordered list of them (transactions,
//! round trips, session state, history rows), [`sql`] the statements of
//! one SQL file, [`python`] Python deltas in an external interpreter.
//! Which scripts run, and in which order, is the commands' business
//! ([`crate::engine`], [`crate::create`], [`crate::deploy`]).

pub mod python;
pub mod runner;
pub mod sql;
