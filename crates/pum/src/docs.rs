//! `pum completions` and `pum man`: shell completion scripts (clap_complete)
//! and manual pages (clap_mangen), both generated from the same clap
//! definitions as `--help`, so they cannot drift from the options.

use std::io::{self, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::EXIT_OK;

/// How to install the completion scripts (after `pum completions --help`).
pub const COMPLETIONS_HELP: &str = "\
Install the script where your shell looks for completions, for example:
  bash        pum completions bash > ~/.local/share/bash-completion/completions/pum
  zsh         pum completions zsh > ~/.zfunc/_pum
              (with `fpath+=~/.zfunc; autoload -U compinit; compinit` in ~/.zshrc)
  fish        pum completions fish > ~/.config/fish/completions/pum.fish
  powershell  pum completions powershell >> $PROFILE
  elvish      pum completions elvish >> ~/.config/elvish/rc.elv
Options are completed in their long forms (--pg_service1 for -p1).";

/// How to read or install the pages (after `pum man --help`).
pub const MAN_HELP: &str = "\
Read it at once with `pum man | man -l -`, or install the pages:
  pum man --dir ~/.local/share/man/man1     then `man pum`, `man pum-upgrade`...";

/// `pum completions SHELL`: the script on stdout.
pub fn completions(a: CompletionsArgs) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "pum", &mut out);
    io::stdout().lock().write_all(&out)?;
    Ok(EXIT_OK)
}

/// `pum man [COMMAND]` on stdout, or every page into `--dir`.
pub fn man(a: ManArgs) -> Result<u8> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    if let Some(dir) = &a.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        write_page(&cmd, dir)?;
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            write_page(sub, dir)?;
        }
        return Ok(EXIT_OK);
    }
    let page = match &a.command {
        None => &cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub,
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
                bail!(
                    "no command '{name}'; the commands are: {}",
                    names.join(", ")
                )
            }
        },
    };
    io::stdout().lock().write_all(render(page)?.as_bytes())?;
    Ok(EXIT_OK)
}

fn write_page(cmd: &clap::Command, dir: &Path) -> Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    let path = dir.join(man.get_filename());
    std::fs::write(&path, render(cmd)?).with_context(|| format!("cannot write {}", path.display()))
}

/// One page as roff, with pum 0.x's multi-letter spellings shown.
fn render(cmd: &clap::Command) -> Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .source(format!("pum {}", env!("CARGO_PKG_VERSION")))
        .manual("pum manual")
        .render(&mut out)?;
    Ok(spell_multi_letter(&String::from_utf8(out)?))
}

/// `\-\-pg_service1` becomes `\-p1, \-\-pg_service1` where the option is
/// listed, as in `--help` (see [`crate::argv`]); the text after the
/// options is headed EXIT STATUS or NOTES.
fn spell_multi_letter(roff: &str) -> String {
    let mut text = roff.to_string();
    for (short, long) in crate::argv::MULTI_LETTER {
        let escape = |s: &str| s.replace('-', "\\-");
        let listed = format!(".TP\n\\fB{}", escape(long));
        let spelled = format!(".TP\n\\fB{}\\fR, \\fB{}", escape(short), escape(long));
        text = text.replace(&listed, &spelled);
    }
    // clap_mangen heads the text after the options EXTRA; say what it is.
    let heading = if text.contains(".SH EXTRA\nExit code") {
        ".SH \"EXIT STATUS\""
    } else {
        ".SH NOTES"
    };
    text.replace(".SH EXTRA", heading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn man_pages_list_the_multi_letter_spellings() {
        let cmd = Cli::command();
        let check = cmd.find_subcommand("check").unwrap();
        let page = render(check).unwrap();
        assert!(
            page.contains("\\fB\\-p1\\fR, \\fB\\-\\-pg_service1"),
            "{page}"
        );
        let page = render(&cmd).unwrap();
        assert!(page.contains(".TH pum 1"), "{page}");
    }
}
