//! pum 0.x spells some options the argparse way: multi-letter options
//! behind a single dash (`-p1`, `-pp`, `-vv`...). clap would read `-p1` as
//! `-p 1`, so those tokens are rewritten to their long forms before parsing.
//! Lists after one flag (`-d dir1 dir2`) are handled by clap itself
//! (`num_args(1..)`).

use std::ffi::OsString;

/// pum 0.x's multi-letter single-dash options and their long forms.
const MULTI_LETTER: &[(&str, &str)] = &[
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

#[cfg(test)]
mod tests {
    use super::*;

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
