//! Terminal conventions: when pum colours its output, and how wide text is
//! on screen.
//!
//! Colour follows the conventions clap, cargo and ripgrep share, through
//! anstream: `--color always` and `--color never` decide alone; with
//! `--color auto` (the default) a stream is coloured only when it is a
//! terminal (whose `TERM` is set and not `dumb`), never when `NO_COLOR` is
//! set (to anything but the empty string) or `CLICOLOR=0`, and even when it
//! is not a terminal when `CLICOLOR_FORCE` is set (`NO_COLOR` wins over
//! it). Files written with `-o` are never coloured.
//!
//! Widths are display widths (unicode-width), not byte or `char` counts,
//! so a name with a combining accent or wide characters lines up in a
//! table like any other.

use std::io;

use anstream::ColorChoice;
use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

/// Bold, for headings.
pub const BOLD: Style = Style::new().bold();
/// Red: only in A, removed lines, errors.
pub const RED: Style = AnsiColor::Red.on_default();
/// Green: only in B, added lines, no difference.
pub const GREEN: Style = AnsiColor::Green.on_default();
/// Yellow: differences, warnings.
pub const YELLOW: Style = AnsiColor::Yellow.on_default();
/// No style.
pub const PLAIN: Style = Style::new();
/// The `error:` label.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();

/// Sets the colour choice of `--color` for the whole process (before
/// anything is printed).
pub fn init(choice: clap::ColorChoice) {
    let choice = match choice {
        clap::ColorChoice::Auto => ColorChoice::Auto,
        clap::ColorChoice::Always => ColorChoice::Always,
        clap::ColorChoice::Never => ColorChoice::Never,
    };
    choice.write_global();
}

/// True when what pum writes to stdout is to be coloured.
pub fn stdout_color() -> bool {
    anstream::AutoStream::choice(&io::stdout()) != ColorChoice::Never
}

/// True when what pum writes to stderr is to be coloured.
pub fn stderr_color() -> bool {
    anstream::AutoStream::choice(&io::stderr()) != ColorChoice::Never
}

/// Paints text with a style, or leaves it plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    /// `text` in `style` (plain when colour is off or the style is empty).
    pub fn wrap(&self, style: Style, text: &str) -> String {
        if self.0 && style != PLAIN {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// The width of `s` on a terminal, in columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `columns` display columns, ending with `…` when cut.
pub fn cut(s: &str, columns: usize) -> String {
    if width(s) <= columns {
        return s.to_string();
    }
    let room = columns.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let next = &s[i..i + c.len_utf8()];
        let w = width(next);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // "é" written as e + U+0301 COMBINING ACUTE ACCENT: two chars, one column.
    const DECOMPOSED: &str = "re\u{301}seau";

    #[test]
    fn widths_count_columns_not_chars() {
        assert_eq!(DECOMPOSED.chars().count(), 7);
        assert_eq!(width(DECOMPOSED), 6);
        assert_eq!(width("réseau"), 6);
        assert_eq!(width("水道"), 4);
    }

    #[test]
    fn cut_keeps_within_the_columns() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("abcdefghij", 5), "abcd…");
        assert_eq!(width(&cut("水道水道水道", 5)), 5);
        assert_eq!(cut("水道水道水道", 5), "水道…");
        assert_eq!(
            cut(&format!("{DECOMPOSED}{DECOMPOSED}"), 7),
            "re\u{301}seau…"
        );
    }

    #[test]
    fn paint_is_plain_without_colour() {
        assert_eq!(Paint(false).wrap(RED, "x"), "x");
        assert_eq!(Paint(true).wrap(PLAIN, "x"), "x");
        assert_eq!(Paint(true).wrap(RED, "x"), "\x1b[31mx\x1b[0m");
    }
}
