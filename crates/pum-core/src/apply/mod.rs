//! Running single delta files: SQL scripts on the connection, Python
//! deltas in an external interpreter. The order and the transactions are
//! decided by [`crate::engine`].

pub mod python;
pub mod sql;
