//! Placeholder replaced by the SQL script splitter.
