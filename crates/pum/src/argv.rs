//! pum 0.x spells some options the argparse way: multi-letter options
//! behind a single dash (`-p1`, `-pp`, `-vv`...). clap would read `-p1` as
//! `-p 1`, so those tokens are rewritten to their long forms before parsing.
//! Lists after one flag (`-d dir1 dir2`) are handled by clap itself
//! (`num_args(1..)`).

use std::ffi::OsString;

/// pum 0.x's multi-letter single-dash options and their long forms.
pub const MULTI_LETTER: &[(&str, &str)] = &[
    ("-p1", "--pg_service1"),
    ("-p2", "--pg_service2"),
    ("-pp", "--pg_service_prod"),
    ("-pt", "--pg_service_test"),
    ("-pc", "--pg_service_comp"),
    ("-vv", "--verbose"),
];

/// Rewrites pum 0.x spellings into ones clap understands. Tokens after a
/// bare `--` are left alone.
pub fn normalize(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut passthrough = false;
    for arg in args {
        if passthrough {
            out.push(arg);
            continue;
        }
        let Some(s) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if s == "--" {
            passthrough = true;
            out.push(arg);
            continue;
        }
        let mut replaced = None;
        for (short, long) in MULTI_LETTER {
            if s == *short {
                replaced = Some(OsString::from(*long));
            } else if let Some(value) = s.strip_prefix(short).and_then(|r| r.strip_prefix('=')) {
                replaced = Some(OsString::from(format!("{long}={value}")));
            }
            if replaced.is_some() {
                break;
            }
        }
        out.push(replaced.unwrap_or(arg));
    }
    out
}

/// Shows pum 0.x's multi-letter spellings in text clap rendered (help,
/// usage, errors), since clap has no multi-letter short options: an option
/// line `      --pg_service1 <A>` becomes `  -p1, --pg_service1 <A>`, and
/// `--pg_service1 <A>` elsewhere (the usage line, an error) becomes
/// `-p1 <A>`.
pub fn spell_multi_letter(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let mut line = line.to_string();
        for (short, long) in MULTI_LETTER {
            let listed = format!("      {long}");
            let rest = line.strip_prefix(&listed).map(str::to_string);
            if let Some(rest) = rest.filter(|r| r.starts_with([' ', '\n']) || r.is_empty()) {
                line = format!("  {short}, {long}{rest}");
                continue;
            }
            let with_value = format!("{long} <");
            if line.contains(&with_value) && !line.contains(&format!("{short}, {long}")) {
                line = line.replace(&with_value, &format!("{short} <"));
            }
        }
        out.push_str(&line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_shows_multi_letter_spellings() {
        let help = "Usage: pum check [OPTIONS] --pg_service1 <A> --pg_service2 <B>\n\n\
                    Options:\n      --pg_service1 <A>\n          The first.\n\
                    \x20     --verbose\n          More.\n      --pg_service1x <A>\n";
        assert_eq!(
            spell_multi_letter(help),
            "Usage: pum check [OPTIONS] -p1 <A> -p2 <B>\n\n\
             Options:\n  -p1, --pg_service1 <A>\n          The first.\n\
             \x20 -vv, --verbose\n          More.\n      --pg_service1x <A>\n"
        );
    }

    fn n(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn multi_letter_options() {
        assert_eq!(
            n(&["pum", "check", "-p1", "a", "-p2=b"]),
            ["pum", "check", "--pg_service1", "a", "--pg_service2=b"]
        );
        assert_eq!(
            n(&[
                "pum",
                "test-and-upgrade",
                "-pp",
                "p",
                "-pt",
                "t",
                "-pc",
                "c",
                "-vv"
            ]),
            [
                "pum",
                "test-and-upgrade",
                "--pg_service_prod",
                "p",
                "--pg_service_test",
                "t",
                "--pg_service_comp",
                "c",
                "--verbose"
            ]
        );
    }

    #[test]
    fn ordinary_options_untouched() {
        assert_eq!(
            n(&["pum", "upgrade", "-p", "svc", "-v", "int", "SRID", "2056", "-d", "a", "b"]),
            ["pum", "upgrade", "-p", "svc", "-v", "int", "SRID", "2056", "-d", "a", "b"]
        );
        // A value that merely starts like an option is not rewritten.
        assert_eq!(
            n(&["pum", "info", "-p", "-p1x"]),
            ["pum", "info", "-p", "-p1x"]
        );
    }

    #[test]
    fn after_double_dash_untouched() {
        assert_eq!(
            n(&["pum", "sandbox", "--", "-vv"]),
            ["pum", "sandbox", "--", "-vv"]
        );
    }
}
