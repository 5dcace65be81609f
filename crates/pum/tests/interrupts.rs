//! Interrupts and faults: cancelling the server's work, broken
//! connections, and what pum leaves behind when stopped.

mod common;

use std::time::{Duration, Instant};

use common::Db;

/// A cancel handle stops a statement running on another thread's
/// connection: the statement fails with SQLSTATE 57014, at once.
#[test]
fn cancel_handle_cancels_a_running_statement() {
    let db = Db::new("cancel_handle");
    let mut conn = db.conn();
    let handle = conn.cancel_handle().expect("a cancel handle");
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.cancel()
    });
    let started = Instant::now();
    let err = conn.execute("SELECT pg_sleep(30)").unwrap_err();
    assert_eq!(err.code, "57014", "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    canceller.join().unwrap().unwrap();
    // The connection is still usable.
    assert_eq!(conn.execute("SELECT 1").unwrap().scalar(), Some("1"));
}

/// A statement on a connection whose backend was terminated is an error,
/// never an empty success.
#[test]
fn terminated_backend_is_an_error() {
    let db = Db::new("terminated_backend");
    let mut victim = db.conn();
    let pid = victim.backend_pid().to_string();
    db.conn()
        .query("SELECT pg_terminate_backend($1::int)", &[Some(&pid)])
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    assert!(victim.execute("SELECT 1").is_err());
    assert!(victim.query("SELECT $1::int", &[Some("1")]).is_err());
}
