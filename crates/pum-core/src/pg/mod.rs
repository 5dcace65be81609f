//! A small safe wrapper over libpq (through `pq-sys`).
//!
//! Why libpq and not a pure-Rust driver: pg_dump, psql and psycopg2 all sit
//! on libpq, so a service name, a `.pgpass` entry, `PGSERVICEFILE` or an
//! `sslmode` mean exactly the same thing to pum as to every other tool the
//! user runs. This module is the only place in the project with `unsafe`.
//!
//! The surface is what pum needs: connect, run a statement (simple
//! protocol), run a query with bound text parameters, send a pipeline of
//! statements, feed `COPY FROM STDIN`, collect server notices, cancel.
//!
//! A leaf: it uses nothing else of the crate. Its own failures are
//! [`PgError`] (server errors are [`DbError`]); `crate::error` wraps both.

mod conninfo;
mod quote;

pub(crate) use conninfo::conninfo_value;
pub use conninfo::ConnTarget;
pub use quote::{psycopg_literal, quote_ident, quote_literal, QualifiedName};

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::fmt;
use std::ptr;

use pq_sys as pq;

/// A failure of the wrapper itself (server errors are [`DbError`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PgError {
    /// The connection could not be made.
    Connect {
        /// The connection target, with any password removed.
        target: String,
        /// libpq's message.
        message: String,
    },
    /// A connection target libpq cannot parse.
    InvalidTarget {
        /// What was given (password removed).
        input: String,
        /// libpq's message.
        message: String,
    },
    /// A qualified name that is not `schema.name` or `name`.
    InvalidName {
        /// What was given.
        input: String,
        /// What is wrong.
        reason: String,
    },
    /// Text that cannot be handed to libpq (a NUL byte).
    InvalidText {
        /// What it was.
        what: String,
    },
}

impl fmt::Display for PgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PgError::Connect { target, message } => {
                write!(f, "cannot connect to {target}: {}", message.trim_end())
            }
            PgError::InvalidTarget { input, message } => {
                write!(f, "invalid connection '{input}': {message}")
            }
            PgError::InvalidName { input, reason } => write!(f, "invalid name '{input}': {reason}"),
            PgError::InvalidText { what } => write!(f, "{what} contains a NUL byte"),
        }
    }
}

impl std::error::Error for PgError {}

/// The result of the wrapper's own operations.
pub type Result<T, E = PgError> = std::result::Result<T, E>;

/// A server error or notice, with every field libpq gives.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DbError {
    /// ERROR, FATAL, NOTICE, WARNING...
    pub severity: String,
    /// SQLSTATE code, e.g. `42P07`.
    pub code: String,
    /// Primary message.
    pub message: String,
    /// Optional detail.
    pub detail: Option<String>,
    /// Optional hint.
    pub hint: Option<String>,
    /// 1-based character position in the statement sent, if the server gave one.
    pub position: Option<usize>,
    /// Position inside an internally generated query (PL/pgSQL).
    pub internal_position: Option<usize>,
    /// The internally generated query.
    pub internal_query: Option<String>,
    /// Call stack context (PL/pgSQL functions...).
    pub context: Option<String>,
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.code.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{} {}: {}", self.severity, self.code, self.message)?;
        }
        if let Some(d) = &self.detail {
            write!(f, "\n  DETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n  HINT: {h}")?;
        }
        if let Some(c) = &self.context {
            write!(f, "\n  CONTEXT: {}", c.replace('\n', "\n           "))?;
        }
        Ok(())
    }
}

impl std::error::Error for DbError {}

/// A server notice (RAISE NOTICE, WARNING, INFO...).
pub type Notice = DbError;

/// Rows returned by [`Conn::query`], all values in text format.
#[derive(Debug, Clone, Default)]
pub struct Rows {
    /// Column names.
    pub columns: Vec<String>,
    /// One vector per row; `None` is SQL NULL.
    pub rows: Vec<Vec<Option<String>>>,
    /// The command tag's row count, if any (INSERT/UPDATE/DELETE/COPY).
    pub affected: Option<u64>,
}

impl Rows {
    /// The value of the first column of the first row.
    pub fn scalar(&self) -> Option<&str> {
        self.rows
            .first()
            .and_then(|r| r.first())
            .and_then(|v| v.as_deref())
    }
}

/// An open connection.
pub struct Conn {
    raw: *mut pq::PGconn,
    /// The notices received, from `Box::into_raw`: libpq's notice receiver
    /// holds this address, so it must stay put while `Conn` moves, and it
    /// is freed (`Box::from_raw`) only after `PQfinish`.
    notices: *mut Vec<Notice>,
}

// SAFETY: a PGconn may be used from any thread as long as it is not used
// from two threads at once; `Conn` is not `Sync` and every method takes
// `&mut self` or `&self` without interior sharing, so moving it to another
// thread is sound.
unsafe impl Send for Conn {}

fn cstring(s: &str, what: &str) -> Result<CString> {
    CString::new(s).map_err(|_| PgError::InvalidText { what: what.into() })
}

/// Copies a C string owned by libpq into a `String` (lossy on bad UTF-8).
///
/// # Safety
/// `p` is NULL or points at a NUL-terminated string that stays valid for
/// the duration of the call (libpq's strings live until the next call on
/// their object; this copies at once).
unsafe fn from_c(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: non-null and NUL-terminated, as the caller promises.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// The error (or notice) fields of a result.
///
/// # Safety
/// `res` points at a live PGresult for the duration of the call.
unsafe fn db_error(res: *const pq::PGresult) -> DbError {
    let field = |code: u8| -> Option<String> {
        // SAFETY: `res` is live (caller's promise); PQresultErrorField
        // returns NULL or a string owned by the result.
        unsafe { from_c(pq::PQresultErrorField(res, code as c_int)) }
    };
    let message = field(b'M').unwrap_or_else(|| {
        // SAFETY: `res` is live; the message is owned by the result.
        unsafe { from_c(pq::PQresultErrorMessage(res)) }
            .unwrap_or_default()
            .trim_end()
            .to_string()
    });
    DbError {
        severity: field(b'V').or_else(|| field(b'S')).unwrap_or_default(),
        code: field(b'C').unwrap_or_default(),
        message,
        detail: field(b'D'),
        hint: field(b'H'),
        position: field(b'P').and_then(|p| p.parse().ok()),
        internal_position: field(b'p').and_then(|p| p.parse().ok()),
        internal_query: field(b'q'),
        context: field(b'W'),
    }
}

/// libpq's notice callback: copies each notice into the connection's list.
///
/// # Safety
/// Only libpq calls it, with the `arg` registered in [`Conn::connect`] and a
/// valid result.
unsafe extern "C" fn notice_receiver(arg: *mut c_void, res: *const pq::PGresult) {
    if arg.is_null() || res.is_null() {
        return;
    }
    // SAFETY: `arg` is the pointer `Conn::connect` got from
    // `Box::into_raw`; it is freed only after PQfinish, and libpq calls the
    // receiver only from inside calls made through `&mut Conn`, while no
    // other reference to the vector exists.
    let sink = unsafe { &mut *(arg as *mut Vec<Notice>) };
    // SAFETY: libpq hands the receiver a live result.
    sink.push(unsafe { db_error(res) });
}

/// An owned PGresult, cleared on drop.
struct PgResult(*mut pq::PGresult);

impl Drop for PgResult {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: we own this result and clear it exactly once.
            unsafe { pq::PQclear(self.0) }
        }
    }
}

impl PgResult {
    fn status(&self) -> pq::ExecStatusType {
        // SAFETY: `self.0` is a live result (null is handled by libpq as fatal).
        unsafe { pq::PQresultStatus(self.0) }
    }

    /// The error fields of this (failed) result.
    fn error(&self) -> DbError {
        if self.0.is_null() {
            return DbError {
                message: "no result from the server".into(),
                ..DbError::default()
            };
        }
        // SAFETY: non-null, owned by `self`, so live.
        unsafe { db_error(self.0) }
    }

    fn affected(&self) -> Option<u64> {
        // SAFETY: live result; the returned string is owned by it.
        unsafe { from_c(pq::PQcmdTuples(self.0)) }.and_then(|s| s.parse().ok())
    }

    fn rows(&self) -> Rows {
        // SAFETY: every call below reads from a live result with indices
        // bounded by PQnfields / PQntuples.
        unsafe {
            let nf = pq::PQnfields(self.0);
            let nt = pq::PQntuples(self.0);
            let columns = (0..nf)
                .map(|i| from_c(pq::PQfname(self.0, i)).unwrap_or_default())
                .collect();
            let mut rows = Vec::with_capacity(nt as usize);
            for r in 0..nt {
                let mut row = Vec::with_capacity(nf as usize);
                for c in 0..nf {
                    if pq::PQgetisnull(self.0, r, c) == 1 {
                        row.push(None);
                    } else {
                        let len = pq::PQgetlength(self.0, r, c) as usize;
                        let p = pq::PQgetvalue(self.0, r, c) as *const u8;
                        let bytes = std::slice::from_raw_parts(p, len);
                        row.push(Some(String::from_utf8_lossy(bytes).into_owned()));
                    }
                }
                rows.push(row);
            }
            Rows {
                columns,
                rows,
                affected: self.affected(),
            }
        }
    }
}

impl Conn {
    /// Connects with a parsed target. `application_name` is used as
    /// `fallback_application_name`, so the user's own setting wins.
    pub fn connect(target: &ConnTarget, application_name: &str) -> Result<Conn> {
        let keys = [
            cstring("dbname", "keyword")?,
            cstring("fallback_application_name", "keyword")?,
        ];
        let vals = [
            cstring(target.conninfo(), "connection string")?,
            cstring(application_name, "application name")?,
        ];
        let kp: [*const c_char; 3] = [keys[0].as_ptr(), keys[1].as_ptr(), ptr::null()];
        let vp: [*const c_char; 3] = [vals[0].as_ptr(), vals[1].as_ptr(), ptr::null()];
        // SAFETY: both arrays are NULL-terminated and point at CStrings that
        // outlive the call; expand_dbname=1 makes libpq parse the conninfo.
        let raw = unsafe { pq::PQconnectdbParams(kp.as_ptr(), vp.as_ptr(), 1) };
        if raw.is_null() {
            return Err(PgError::Connect {
                target: target.display().to_string(),
                message: "out of memory".into(),
            });
        }
        // SAFETY: `raw` is a non-null connection object.
        if unsafe { pq::PQstatus(raw) } != pq::ConnStatusType::CONNECTION_OK {
            // SAFETY: live connection object; message copied before PQfinish.
            let message = unsafe { from_c(pq::PQerrorMessage(raw)) }.unwrap_or_default();
            // SAFETY: we own `raw` and finish it exactly once.
            unsafe { pq::PQfinish(raw) };
            return Err(PgError::Connect {
                target: target.display().to_string(),
                message,
            });
        }
        let conn = Conn {
            raw,
            notices: Box::into_raw(Box::<Vec<Notice>>::default()),
        };
        // SAFETY: the receiver and its argument stay valid for the life of
        // the connection (the box is freed after PQfinish in Drop).
        unsafe {
            pq::PQsetNoticeReceiver(raw, Some(notice_receiver), conn.notices as *mut c_void);
        }
        Ok(conn)
    }

    fn last_error(&self) -> DbError {
        DbError {
            // SAFETY: live connection; the message is copied at once.
            message: unsafe { from_c(pq::PQerrorMessage(self.raw)) }
                .unwrap_or_default()
                .trim_end()
                .to_string(),
            ..DbError::default()
        }
    }

    /// Collects the results of the command just sent, returning the last
    /// one's rows or the first error. Handles an unexpected COPY by failing it.
    fn finish(&mut self, first: PgResult) -> Result<Rows, DbError> {
        if first.0.is_null() {
            // A command was sent but no result came: the connection broke.
            return Err(self.last_error());
        }
        let mut outcome: Result<Rows, DbError> = Ok(Rows::default());
        let mut res = first;
        loop {
            if res.0.is_null() {
                break;
            }
            match res.status() {
                pq::ExecStatusType::PGRES_COMMAND_OK
                | pq::ExecStatusType::PGRES_TUPLES_OK
                | pq::ExecStatusType::PGRES_EMPTY_QUERY => {
                    if outcome.is_ok() {
                        outcome = Ok(res.rows());
                    }
                }
                pq::ExecStatusType::PGRES_COPY_IN => {
                    let msg = cstring("COPY FROM STDIN must be followed by its data rows", "")
                        .expect("static text");
                    // SAFETY: the connection is in COPY IN state; ending it
                    // with an error message makes the server abort the COPY.
                    unsafe { pq::PQputCopyEnd(self.raw, msg.as_ptr()) };
                }
                pq::ExecStatusType::PGRES_COPY_OUT => {
                    // Drain and discard: a delta has nowhere to send it.
                    loop {
                        let mut buf: *mut c_char = ptr::null_mut();
                        // SAFETY: COPY OUT state; buffers are freed with PQfreemem.
                        let n = unsafe { pq::PQgetCopyData(self.raw, &mut buf, 0) };
                        if !buf.is_null() {
                            // SAFETY: buffer allocated by libpq.
                            unsafe { pq::PQfreemem(buf as *mut c_void) };
                        }
                        if n < 0 {
                            break;
                        }
                    }
                }
                _ => {
                    if outcome.is_ok() {
                        outcome = Err(res.error());
                    }
                }
            }
            // SAFETY: live connection; NULL marks the end of the results.
            res = PgResult(unsafe { pq::PQgetResult(self.raw) });
        }
        outcome
    }

    /// Runs SQL with the simple query protocol (may hold several statements).
    pub fn execute(&mut self, sql: &str) -> Result<Rows, DbError> {
        let c = CString::new(sql).map_err(|_| DbError {
            message: "the SQL text contains a NUL byte".into(),
            ..DbError::default()
        })?;
        // SAFETY: live connection, NUL-terminated command.
        let sent = unsafe { pq::PQsendQuery(self.raw, c.as_ptr()) };
        if sent != 1 {
            return Err(self.last_error());
        }
        // SAFETY: a query was just sent on this live connection.
        let first = PgResult(unsafe { pq::PQgetResult(self.raw) });
        self.finish(first)
    }

    /// Sends one statement with text parameters (extended protocol);
    /// returns false if libpq could not send it.
    fn send_params(&mut self, sql: &CString, params: &[Option<CString>]) -> bool {
        let ptrs: Vec<*const c_char> = params
            .iter()
            .map(|p| p.as_ref().map_or(ptr::null(), |c| c.as_ptr()))
            .collect();
        // SAFETY: `ptrs` holds `params.len()` pointers to CStrings (or NULL
        // for SQL NULL) that outlive the call; NULL type/length/format
        // arrays mean "infer types, text format".
        let sent = unsafe {
            pq::PQsendQueryParams(
                self.raw,
                sql.as_ptr(),
                ptrs.len() as c_int,
                ptr::null(),
                ptrs.as_ptr(),
                ptr::null(),
                ptr::null(),
                0,
            )
        };
        sent == 1
    }

    /// Runs one statement with text parameters bound as `$1, $2...`.
    pub fn query(&mut self, sql: &str, params: &[Option<&str>]) -> Result<Rows, DbError> {
        let bad = |_| DbError {
            message: "a query or parameter contains a NUL byte".into(),
            ..DbError::default()
        };
        let c = CString::new(sql).map_err(bad)?;
        let owned: Vec<Option<CString>> = params
            .iter()
            .map(|p| p.map(CString::new).transpose())
            .collect::<Result<_, _>>()
            .map_err(bad)?;
        if !self.send_params(&c, &owned) {
            return Err(self.last_error());
        }
        // SAFETY: a query was just sent on this live connection.
        let first = PgResult(unsafe { pq::PQgetResult(self.raw) });
        self.finish(first)
    }

    /// Sends several statements in one round trip (libpq pipeline mode) and
    /// reads their outcomes. Returns the rows of every statement, or the
    /// index of the first that failed with its error; the statements after
    /// a failure are not run. Each statement is a single command with text
    /// parameters (no COPY).
    ///
    /// Meant for batches whose results are small: all statements are sent
    /// before any result is read. The notices the server sends are added
    /// to `notices` with the index of the statement they came with.
    pub fn pipeline(
        &mut self,
        statements: &[(&str, &[Option<&str>])],
        notices: &mut Vec<(usize, Notice)>,
    ) -> Result<Vec<Rows>, (usize, DbError)> {
        let bad = |i: usize| {
            move |_| {
                (
                    i,
                    DbError {
                        message: "a query or parameter contains a NUL byte".into(),
                        ..DbError::default()
                    },
                )
            }
        };
        // Build every C string first: nothing is sent if one is invalid.
        let mut owned: Vec<(CString, Vec<Option<CString>>)> = Vec::with_capacity(statements.len());
        for (i, (sql, params)) in statements.iter().enumerate() {
            let c = CString::new(*sql).map_err(bad(i))?;
            let p = params
                .iter()
                .map(|p| p.map(CString::new).transpose())
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad(i))?;
            owned.push((c, p));
        }
        // SAFETY: live connection with no command in progress.
        if unsafe { pq::PQenterPipelineMode(self.raw) } != 1 {
            return Err((0, self.last_error()));
        }
        let mut sent = 0;
        for (c, params) in &owned {
            let ok = self.send_params(c, params);
            if !ok {
                break;
            }
            sent += 1;
        }
        let send_error = (sent < owned.len()).then(|| (sent, self.last_error()));
        // SAFETY: live connection in pipeline mode.
        let synced = unsafe { pq::PQpipelineSync(self.raw) } == 1;
        let mut rows = Vec::with_capacity(sent);
        let mut failure: Option<(usize, DbError)> = None;
        let mut index = 0;
        if synced {
            loop {
                // SAFETY: live connection; results are owned and cleared.
                let res = PgResult(unsafe { pq::PQgetResult(self.raw) });
                // A statement's notices arrive before its outcome.
                notices.extend(self.take_notices().into_iter().map(|n| (index, n)));
                if res.0.is_null() {
                    // SAFETY: live connection object.
                    if unsafe { pq::PQstatus(self.raw) } == pq::ConnStatusType::CONNECTION_BAD {
                        // The connection broke: no sync will ever come, and
                        // libpq would return NULL forever.
                        if failure.is_none() {
                            failure = Some((index, self.last_error()));
                        }
                        break;
                    }
                    // End of one statement's results.
                    index += 1;
                    continue;
                }
                match res.status() {
                    pq::ExecStatusType::PGRES_PIPELINE_SYNC => break,
                    pq::ExecStatusType::PGRES_COMMAND_OK
                    | pq::ExecStatusType::PGRES_TUPLES_OK
                    | pq::ExecStatusType::PGRES_EMPTY_QUERY => {
                        if failure.is_none() {
                            rows.push(res.rows());
                        }
                    }
                    pq::ExecStatusType::PGRES_PIPELINE_ABORTED => {}
                    _ => {
                        if failure.is_none() {
                            failure = Some((index, res.error()));
                        }
                    }
                }
            }
        }
        // SAFETY: live connection; every result up to the sync was read.
        let exited = unsafe { pq::PQexitPipelineMode(self.raw) } == 1;
        if !synced || !exited {
            return Err(failure.or(send_error).unwrap_or_else(|| {
                (
                    index.min(statements.len().saturating_sub(1)),
                    self.last_error(),
                )
            }));
        }
        match failure.or(send_error) {
            Some(f) => Err(f),
            None => Ok(rows),
        }
    }

    /// Runs a `COPY ... FROM STDIN` statement and feeds it `data` (the rows,
    /// in the statement's format, without the `\.` terminator).
    pub fn copy_in(&mut self, sql: &str, data: &[u8]) -> Result<Rows, DbError> {
        let c = CString::new(sql).map_err(|_| DbError {
            message: "the SQL text contains a NUL byte".into(),
            ..DbError::default()
        })?;
        // SAFETY: live connection, NUL-terminated command.
        if unsafe { pq::PQsendQuery(self.raw, c.as_ptr()) } != 1 {
            return Err(self.last_error());
        }
        // SAFETY: a query was just sent.
        let first = PgResult(unsafe { pq::PQgetResult(self.raw) });
        if first.status() != pq::ExecStatusType::PGRES_COPY_IN {
            // Not a COPY FROM STDIN after all (or it failed before): report
            // what the server said.
            return self.finish(first);
        }
        drop(first);
        for chunk in data.chunks(1 << 20) {
            // SAFETY: COPY IN state; `chunk` is valid for its length.
            let r = unsafe {
                pq::PQputCopyData(
                    self.raw,
                    chunk.as_ptr() as *const c_char,
                    chunk.len() as c_int,
                )
            };
            if r != 1 {
                return Err(self.last_error());
            }
        }
        // SAFETY: COPY IN state; NULL means "finished successfully".
        if unsafe { pq::PQputCopyEnd(self.raw, ptr::null()) } != 1 {
            return Err(self.last_error());
        }
        // SAFETY: live connection.
        let next = PgResult(unsafe { pq::PQgetResult(self.raw) });
        self.finish(next)
    }

    /// Takes the notices received since the last call.
    pub fn take_notices(&mut self) -> Vec<Notice> {
        // SAFETY: `notices` is the live box of this connection; libpq writes
        // to it only inside calls made through `&mut self`, and none is in
        // progress while we hold `&mut self` here.
        std::mem::take(unsafe { &mut *self.notices })
    }

    /// A handle that can cancel the statement running on this connection
    /// from another thread (libpq's `PQcancel`), e.g. when the user presses
    /// Ctrl-C. `None` if the connection is not usable.
    pub fn cancel_handle(&self) -> Option<CancelHandle> {
        // SAFETY: live connection; the cancel object is owned by the handle
        // and freed with PQfreeCancel.
        let raw = unsafe { pq::PQgetCancel(self.raw) };
        (!raw.is_null()).then_some(CancelHandle { raw })
    }

    /// The user name of this session.
    pub fn user(&self) -> String {
        // SAFETY: live connection; the string is copied at once.
        unsafe { from_c(pq::PQuser(self.raw)) }.unwrap_or_default()
    }

    /// The database name of this session.
    pub fn dbname(&self) -> String {
        // SAFETY: live connection; the string is copied at once.
        unsafe { from_c(pq::PQdb(self.raw)) }.unwrap_or_default()
    }

    /// The server version as an integer (e.g. 150018).
    pub fn server_version(&self) -> i32 {
        // SAFETY: live connection.
        unsafe { pq::PQserverVersion(self.raw) }
    }

    /// The backend process id of this session.
    pub fn backend_pid(&self) -> i32 {
        // SAFETY: live connection.
        unsafe { pq::PQbackendPID(self.raw) }
    }

    /// True while a transaction block is open (idle in transaction or failed).
    pub fn in_transaction(&self) -> bool {
        // SAFETY: live connection.
        let s = unsafe { pq::PQtransactionStatus(self.raw) };
        matches!(
            s,
            pq::PGTransactionStatusType::PQTRANS_INTRANS
                | pq::PGTransactionStatusType::PQTRANS_INERROR
        )
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: we own the connection and finish it exactly once; after
        // PQfinish libpq never calls the notice receiver again, so the box
        // from `Box::into_raw` can be freed, exactly once.
        unsafe {
            pq::PQfinish(self.raw);
            drop(Box::from_raw(self.notices));
        }
    }
}

/// Cancels the statement running on a connection, from any thread
/// ([`Conn::cancel_handle`]). Stays usable after the connection is closed
/// (the cancel request then has nothing to cancel).
pub struct CancelHandle {
    raw: *mut pq::PGcancel,
}

// SAFETY: libpq documents the PGcancel object as read-only for PQcancel,
// which may be called from a thread other than the connection's, and from
// several at once; it is freed only in Drop, which needs ownership.
unsafe impl Send for CancelHandle {}
// SAFETY: see above: PQcancel only reads the object.
unsafe impl Sync for CancelHandle {}

impl CancelHandle {
    /// Asks the server to cancel the statement the connection is running
    /// (the statement then fails with SQLSTATE 57014). Returns libpq's
    /// message when the request could not be sent.
    pub fn cancel(&self) -> std::result::Result<(), String> {
        let mut buf = [0 as c_char; 256];
        // SAFETY: live cancel object; `buf` is writable for its length.
        let ok = unsafe { pq::PQcancel(self.raw, buf.as_mut_ptr(), buf.len() as c_int) };
        if ok == 1 {
            Ok(())
        } else {
            // SAFETY: libpq NUL-terminates the message within `buf`.
            Err(unsafe { from_c(buf.as_ptr()) }.unwrap_or_default())
        }
    }
}

impl Drop for CancelHandle {
    fn drop(&mut self) {
        // SAFETY: we own the cancel object and free it exactly once.
        unsafe { pq::PQfreeCancel(self.raw) }
    }
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CancelHandle")
    }
}

impl fmt::Debug for Conn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conn").field("db", &self.dbname()).finish()
    }
}

/// The libpq options a connection string sets explicitly, parsed by libpq
/// itself (so URIs and key=value strings both work).
pub(crate) fn parse_conninfo(conninfo: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let c = CString::new(conninfo).map_err(|_| "contains a NUL byte".to_string())?;
    let mut err: *mut c_char = ptr::null_mut();
    // SAFETY: NUL-terminated input; on failure libpq sets `err` to a string
    // we must free with PQfreemem.
    let opts = unsafe { pq::PQconninfoParse(c.as_ptr(), &mut err) };
    if opts.is_null() {
        // SAFETY: NULL or a message allocated by libpq, freed below.
        let msg = unsafe { from_c(err) }.unwrap_or_else(|| "out of memory".into());
        if !err.is_null() {
            // SAFETY: allocated by libpq.
            unsafe { pq::PQfreemem(err as *mut c_void) };
        }
        return Err(msg.trim_end().to_string());
    }
    let mut out = Vec::new();
    let mut p = opts;
    // SAFETY: PQconninfoParse returns an array terminated by an entry with a
    // NULL keyword; we read until it and free the array once.
    unsafe {
        while !(*p).keyword.is_null() {
            if let (Some(k), Some(v)) = (from_c((*p).keyword), from_c((*p).val)) {
                out.push((k, v));
            }
            p = p.add(1);
        }
        pq::PQconninfoFree(opts);
    }
    Ok(out)
}
