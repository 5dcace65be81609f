//! Progress reporting: the library tells, the caller renders.

use std::path::Path;
use std::time::Duration;

use crate::dump::ToolProgress;
use crate::pg::Notice;
use crate::rehearse::Step;

/// Something that happened during a run, in the order it happened.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The lock of a history table is held by another session; pum waits.
    LockWaiting {
        /// The table whose lock pum waits for.
        table: &'a str,
        /// Who holds it, as far as the server says.
        holder: Option<&'a str>,
        /// How long pum will wait.
        timeout: Duration,
    },
    /// A script (delta, pre-all or post-all file, creation file,
    /// deployment) starts.
    Starting {
        /// The file.
        file: &'a Path,
        /// What it is (`1.2.3 add_pipes (delta sql)`, `deployment 00004`).
        label: &'a str,
        /// 1-based position among the files this run executes.
        index: usize,
        /// How many files this run executes.
        total: usize,
    },
    /// A script finished successfully.
    Finished {
        /// The file.
        file: &'a Path,
        /// Wall time it took.
        elapsed: Duration,
    },
    /// The server sent a notice (RAISE NOTICE, WARNING...).
    Notice {
        /// The file being run, if any.
        file: Option<&'a Path>,
        /// The notice.
        notice: &'a Notice,
    },
    /// A line a Python delta printed.
    PythonOutput {
        /// The Python file.
        file: &'a Path,
        /// The line, without its newline.
        line: &'a str,
        /// True if it came from stderr.
        stderr: bool,
    },
    /// A rehearsal step starts.
    StepStarted {
        /// The step.
        step: Step,
        /// What it works on (database, file), without passwords.
        detail: &'a str,
    },
    /// A rehearsal step finished.
    StepFinished {
        /// The step.
        step: Step,
        /// How long it took.
        elapsed: Duration,
    },
    /// pg_dump / pg_restore is still running.
    ToolProgress {
        /// The step it belongs to.
        step: Step,
        /// Elapsed time, bytes written, objects restored.
        progress: ToolProgress,
    },
    /// Something the user should know that does not stop the run.
    Warning {
        /// One line of text.
        message: &'a str,
    },
}

/// Receives [`Event`]s. The binary renders them; library users may ignore them.
pub trait Observer {
    /// Called for every event, on the thread running the upgrade.
    fn event(&mut self, event: &Event<'_>);
}

/// Ignores every event.
impl Observer for () {
    fn event(&mut self, _event: &Event<'_>) {}
}

impl<F: FnMut(&Event<'_>)> Observer for F {
    fn event(&mut self, event: &Event<'_>) {
        self(event)
    }
}
