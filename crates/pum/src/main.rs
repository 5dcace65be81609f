//! The `pum` command: parses options, calls pum-core, renders what it
//! returns. No business logic lives here.

// The doc comments of the option structs are clap's --help text, written
// for a terminal (`<ordinal>-<name>.sql`, `[default: ...]`), not rustdoc.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

mod argv;
mod cli;
mod cm;
mod commands;
mod create_deploy;
mod docs;
mod fleet;
mod fleet_run;
mod html;
mod module_cmd;
mod render;
mod term;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: pending work found (info --exit-code).
pub const EXIT_PENDING: u8 = 1;
/// Exit code: differences found (check).
pub const EXIT_DIFFERENCES: u8 = 1;
/// Exit code: pum failed.
pub const EXIT_FAILED: u8 = 2;

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // pum 1.x modules have a command line of their own.
    if module_cmd::is_module_invocation(&raw) {
        return match module_cmd::parse(raw) {
            Ok(cli) => {
                install_interrupt_handler();
                exit_with(module_cmd::dispatch(cli))
            }
            Err((text, is_error)) => {
                let _ = if is_error {
                    write!(std::io::stderr(), "{text}")
                } else {
                    write!(std::io::stdout(), "{text}")
                };
                ExitCode::from(if is_error { EXIT_FAILED } else { EXIT_OK })
            }
        };
    }
    if let Some(message) = module_cmd::module_given_the_old_way(&raw) {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        return ExitCode::from(EXIT_FAILED);
    }
    let args = argv::normalize(raw);
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            // Help, usage and errors with pum 0.x's spellings (-p1, -pp...).
            let text = argv::spell_multi_letter(&e.render().to_string());
            let _ = if e.use_stderr() {
                write!(std::io::stderr(), "{text}")
            } else {
                write!(std::io::stdout(), "{text}")
            };
            let code = if e.use_stderr() { EXIT_FAILED } else { EXIT_OK };
            return ExitCode::from(code);
        }
    };
    term::init(cli.color);
    if cli.version {
        let _ = writeln!(
            std::io::stdout(),
            "pum version {}",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::from(EXIT_OK);
    }
    let Some(command) = cli.command else {
        let _ = writeln!(std::io::stderr(), "pum: no command given; see `pum --help`");
        return ExitCode::from(EXIT_FAILED);
    };
    if let cli::Command::Sandbox(a) = &command {
        if let Some(config) = cli.config.as_ref().or(a.config.as_ref()) {
            let _ = writeln!(
                std::io::stderr(),
                "error: pum sandbox takes no config file (-c {0}): it has no option to take \
                 defaults from it\n  give it to the pum commands run inside: \
                 pum sandbox -- $PUM -c {0} ...",
                config.display()
            );
            return ExitCode::from(EXIT_FAILED);
        }
    }
    install_interrupt_handler();
    let outcome = commands::Ctx::load(cli.config).and_then(|ctx| commands::run(command, &ctx));
    exit_with(outcome)
}

/// Ctrl-C, SIGTERM, SIGHUP: cancel the server's work, stop children,
/// clean up, then exit 128 + signal (see pum_core::interrupt).
fn install_interrupt_handler() {
    let _ = pum_core::interrupt::install(|signal, count| {
        let name = pum_core::interrupt::signal_name(signal);
        let text = if count == 1 {
            format!("\npum: {name}: stopping: cancelling the running statement, rolling back, cleaning up...")
        } else {
            format!("pum: {name} again: still cleaning up, please wait")
        };
        let _ = writeln!(std::io::stderr(), "{text}");
    });
}

/// The exit code of a command's outcome (and of a signal that stopped it).
fn exit_with(outcome: anyhow::Result<u8>) -> ExitCode {
    if let Some(signal) = pum_core::interrupt::requested() {
        // The command stopped because of the signal (or finished anyway).
        let failed = !matches!(outcome, Ok(EXIT_OK));
        if let Err(e) = &outcome {
            render::error(e);
        }
        if failed {
            return ExitCode::from(128u8.saturating_add(signal as u8));
        }
    }
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`pum info | head`) is not an error.
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::from(EXIT_OK);
                }
            }
            render::error(&e);
            ExitCode::from(EXIT_FAILED)
        }
    }
}
