//! Stopping cleanly on SIGINT, SIGTERM and SIGHUP.
//!
//! Killing pum at once would leave the server running the statement it
//! was sent (and committing it), children running, and temporary files
//! holding passwords or production data behind. So a signal does not end
//! the process: once [`install`] has run, a signal
//!
//! 1. is recorded ([`requested`]);
//! 2. cancels the statement running on every connection registered with
//!    [`watch_conn`] (libpq's cancel request: it fails with SQLSTATE 57014
//!    and its transaction rolls back);
//! 3. terminates every child process group registered with
//!    [`watch_process_group`] (SIGTERM, then SIGKILL after [`GRACE`]), and
//!    passes the signal on to children registered with [`forward_signals`].
//!
//! The code that was running then sees its statement fail or its child
//! die, takes its ordinary error path (rollback, lock release, guards that
//! remove temporary files and scratch databases), and reports the
//! interrupt; long-running loops call [`check`] between steps. A second
//! signal while cleaning up changes nothing: the clean-up goes on.
//!
//! Without [`install`] (a program using the library that handles signals
//! itself), nothing here has any effect.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::pg::{CancelHandle, Conn};

/// How long children get between SIGTERM and SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);

/// The first signal received, 0 before any.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// How many signals were received.
static COUNT: AtomicUsize = AtomicUsize::new(0);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static INSTALLED: OnceLock<()> = OnceLock::new();

#[derive(Default)]
struct Registry {
    conns: HashMap<u64, Arc<CancelHandle>>,
    groups: HashMap<u64, i32>,
    forwards: HashMap<u64, i32>,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: OnceLock<Mutex<Registry>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

fn lock() -> std::sync::MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves plain data: keep using it.
    registry().lock().unwrap_or_else(|p| p.into_inner())
}

/// The signals pum stops on.
pub const SIGNALS: [i32; 3] = [
    signal_hook::consts::SIGINT,
    signal_hook::consts::SIGTERM,
    signal_hook::consts::SIGHUP,
];

/// Starts handling SIGINT, SIGTERM and SIGHUP as described in the module
/// documentation. `notify` is called on a dedicated thread for every
/// signal, with the signal and how many have come so far (the binary uses
/// it to say what it is doing). Calling it again does nothing.
pub fn install(notify: impl Fn(i32, usize) + Send + 'static) -> Result<()> {
    if INSTALLED.get().is_some() {
        return Ok(());
    }
    let mut signals = signal_hook::iterator::Signals::new(SIGNALS)
        .map_err(|e| Error::invalid(format!("cannot handle signals: {e}")))?;
    let _ = INSTALLED.set(());
    std::thread::Builder::new()
        .name("pum-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let _ = SIGNAL.compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst);
                let count = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
                notify(signal, count);
                stop_everything(signal);
            }
        })
        .map_err(|e| Error::invalid(format!("cannot handle signals: {e}")))?;
    Ok(())
}

/// Cancels every watched statement, terminates every watched child group
/// and passes the signal on to foreground children.
fn stop_everything(signal: i32) {
    let (handles, groups, forwards): (Vec<Arc<CancelHandle>>, Vec<i32>, Vec<i32>) = {
        let r = lock();
        (
            r.conns.values().cloned().collect(),
            r.groups.values().copied().collect(),
            r.forwards.values().copied().collect(),
        )
    };
    for h in handles {
        let _ = h.cancel();
    }
    if let Ok(sig) = nix::sys::signal::Signal::try_from(signal) {
        for pid in forwards {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), sig);
        }
    }
    if groups.is_empty() {
        return;
    }
    for g in &groups {
        signal_group(*g, nix::sys::signal::Signal::SIGTERM);
    }
    std::thread::spawn(|| {
        std::thread::sleep(GRACE);
        let still: Vec<i32> = lock().groups.values().copied().collect();
        for g in still {
            signal_group(g, nix::sys::signal::Signal::SIGKILL);
        }
    });
}

fn signal_group(pgid: i32, signal: nix::sys::signal::Signal) {
    let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), signal);
}

/// The first signal received since [`install`], if any.
pub fn requested() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// How many signals were received since [`install`].
pub fn count() -> usize {
    COUNT.load(Ordering::SeqCst)
}

/// `Err(Error::Interrupted)` once a signal was received: long operations
/// call it between steps.
pub fn check() -> Result<()> {
    match requested() {
        Some(signal) => Err(Error::Interrupted { signal }),
        None => Ok(()),
    }
}

/// The name of a signal (`SIGINT`), for messages.
pub fn signal_name(signal: i32) -> String {
    nix::sys::signal::Signal::try_from(signal)
        .map(|s| s.as_str().to_string())
        .unwrap_or_else(|_| format!("signal {signal}"))
}

/// Something registered for a signal; unregistered when dropped.
#[derive(Debug)]
#[must_use = "the registration ends when the Watch is dropped"]
pub struct Watch {
    id: u64,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut r = lock();
        r.conns.remove(&self.id);
        r.groups.remove(&self.id);
        r.forwards.remove(&self.id);
    }
}

/// Cancels the statement running on `conn` when a signal comes, until the
/// returned [`Watch`] is dropped. (A cancel request only reaches a
/// statement that is running: call [`check`] before starting the next.)
pub fn watch_conn(conn: &Conn) -> Watch {
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    if let Some(handle) = conn.cancel_handle() {
        lock().conns.insert(id, Arc::new(handle));
    }
    Watch { id }
}

/// Terminates the process group `pgid` (a child started with its own
/// group) when a signal comes: SIGTERM, then SIGKILL after [`GRACE`]. If a
/// signal already came, the group is terminated at once.
pub fn watch_process_group(pgid: u32) -> Watch {
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    let pgid = pgid as i32;
    lock().groups.insert(id, pgid);
    if requested().is_some() {
        signal_group(pgid, nix::sys::signal::Signal::SIGTERM);
    }
    Watch { id }
}

/// Passes every signal pum receives on to the process `pid`, unchanged, so
/// that it decides how to stop. For a child that shares pum's terminal
/// (the command of `pum sandbox`: it must stay in the terminal's
/// foreground group to read from it), a terminal Ctrl-C reaches it
/// directly as well; it is never killed by pum.
pub fn forward_signals(pid: u32) -> Watch {
    let id = NEXT_ID.fetch_add(1, Ordering::SeqCst);
    lock().forwards.insert(id, pid as i32);
    if let Some(signal) = requested() {
        if let Ok(sig) = nix::sys::signal::Signal::try_from(signal) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid as i32), sig);
        }
    }
    Watch { id }
}
