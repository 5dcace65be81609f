//! The SQL of a pum 1.x module, read exactly as pum 1.x reads it
//! (`sql_content.py`), so a module does the same under both tools:
//!
//! 1. comments are removed: every `/* ... */` (even inside a string), then
//!    every `--` comment that starts a line or follows a `;`;
//! 2. a file holding `BEGIN;`, `COMMIT;` or
//!    `SELECT pg_catalog.set_config(... search_path ...);` is refused
//!    (pum runs the whole install in one transaction, and pg_dump's
//!    search_path reset breaks PostGIS);
//! 3. the text is split at `;` outside quotes, line comments and
//!    dollar-quoted blocks (pum 1.x's patterns: `$BODY$`, `$DO$`,
//!    `$tag$...$tag$`, `$$...$$`), each statement trimmed, empty ones
//!    dropped;
//! 4. every statement is formatted with psycopg's `sql.SQL.format`:
//!    `{name}` becomes the parameter as an SQL literal, `{{` and `}}` are
//!    literal braces, and any other brace (an unknown name, `{}`, `{0}`,
//!    `{name:spec}`, `{name!r}`, a single `{` or `}`) is an error.
//!
//! Statements keep the line where they start in the file, for messages.

/// The text of a file as Python's text mode gives it to pum 1.x: line
/// breaks `\r\n` and `\r` read as `\n` (and a UTF-8 byte order mark
/// dropped, which pum 1.x would send to the server).
pub fn as_python_reads(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// A problem of a file, on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlProblem {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// A statement of a file, before its parameters are filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// The statement, without its `;`.
    pub text: String,
    /// 1-based line in the file where it starts.
    pub line: usize,
}

/// Text with, for each kept stretch, where it came from.
struct Mapped {
    text: String,
    /// (offset in `text`, offset in the source) of each kept stretch.
    map: Vec<(usize, usize)>,
}

impl Mapped {
    fn source_offset(&self, at: usize) -> usize {
        let i = self.map.partition_point(|(start, _)| *start <= at);
        match i.checked_sub(1).map(|i| self.map[i]) {
            Some((start, src)) => src + (at - start),
            None => at,
        }
    }
}

/// Builds a [`Mapped`] from the kept ranges of `src` and what replaces
/// each removed one.
struct Builder<'a> {
    src: &'a str,
    out: Mapped,
}

impl<'a> Builder<'a> {
    fn new(src: &'a str) -> Self {
        Builder {
            src,
            out: Mapped {
                text: String::with_capacity(src.len()),
                map: Vec::new(),
            },
        }
    }

    fn keep(&mut self, from: usize, to: usize) {
        if from < to {
            self.out.map.push((self.out.text.len(), from));
            self.out.text.push_str(&self.src[from..to]);
        }
    }

    /// A replacement that stands for the source text at `src_at`.
    fn put(&mut self, s: &str, src_at: usize) {
        if !s.is_empty() {
            self.out.map.push((self.out.text.len(), src_at));
            self.out.text.push_str(s);
        }
    }
}

/// Python's `str.isspace()` (what `\s` and `strip()` use).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn skip_space(s: &str, mut at: usize) -> usize {
    while let Some(c) = s[at..].chars().next() {
        if !py_space(c) {
            break;
        }
        at += c.len_utf8();
    }
    at
}

/// `re.sub(r"/\*.*?\*/", "", sql, flags=re.DOTALL)`.
fn remove_block_comments(src: &str) -> Mapped {
    let mut b = Builder::new(src);
    let mut at = 0;
    while let Some(open) = src[at..].find("/*").map(|i| at + i) {
        let Some(close) = src[open + 2..].find("*/").map(|i| open + 2 + i) else {
            break;
        };
        b.keep(at, open);
        at = close + 2;
    }
    b.keep(at, src.len());
    b.out
}

/// `re.sub(r"(?m)(^|;)\s*--.*?(\r\n|\r|\n)", r"\1", sql)`.
fn remove_line_comments(src: &str) -> Mapped {
    let bytes = src.as_bytes();
    let mut b = Builder::new(src);
    let mut kept_from = 0;
    let mut at = 0;
    // Line starts before this offset sit in a run of whitespace already
    // known not to lead to `--`.
    let mut no_comment_before = 0;
    // The comment's end: the first line break after `--`.
    let comment_end = |dash: usize| -> Option<usize> {
        let k = src[dash + 2..].find(['\r', '\n']).map(|i| dash + 2 + i)?;
        Some(if src[k..].starts_with("\r\n") {
            k + 2
        } else {
            k + 1
        })
    };
    while at < bytes.len() {
        let line_start = at == 0 || bytes[at - 1] == b'\n';
        let mut matched = None;
        if line_start && at >= no_comment_before {
            let j = skip_space(src, at);
            if src[j..].starts_with("--") {
                match comment_end(j) {
                    Some(end) => matched = Some((end, "")),
                    // No line break after it: no later comment can match.
                    None => break,
                }
            } else {
                no_comment_before = j;
            }
        }
        if matched.is_none() && bytes[at] == b';' {
            let j = skip_space(src, at + 1);
            if src[j..].starts_with("--") {
                match comment_end(j) {
                    Some(end) => matched = Some((end, ";")),
                    None => break,
                }
            }
        }
        match matched {
            Some((end, replacement)) => {
                b.keep(kept_from, at);
                b.put(replacement, at);
                kept_from = end;
                at = end;
            }
            None => at += src[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    b.keep(kept_from, src.len());
    b.out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `re.search(r"\bWORD\b\s*;", sql, re.IGNORECASE)`: the offset of the match.
fn find_word_then_semicolon(sql: &str, lower: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = lower[from..].find(word).map(|i| from + i) {
        from = i + word.len();
        let before_ok = sql[..i].chars().next_back().is_none_or(|c| !is_word(c));
        let after = &sql[i + word.len()..];
        let after_ok = after.chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok && sql[skip_space(sql, i + word.len())..].starts_with(';') {
            return Some(i);
        }
    }
    None
}

/// `re.search(r"SELECT +pg_catalog.set_config.*search_path.*;", sql, re.IGNORECASE)`
/// on the lower-cased text (`.` matches anything but a line break).
fn find_search_path_reset(lower: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in lower.split('\n') {
        let mut from = 0;
        while let Some(i) = line[from..].find("select").map(|i| from + i) {
            from = i + 1;
            let rest = &line[i + "select".len()..];
            let after = rest.trim_start_matches(' ');
            if after.len() == rest.len() {
                continue;
            }
            let Some(tail) = after.strip_prefix("pg_catalog") else {
                continue;
            };
            let mut any = tail.chars();
            if any.next().is_none() {
                continue;
            }
            let Some(tail) = any.as_str().strip_prefix("set_config") else {
                continue;
            };
            if let Some(sp) = tail.find("search_path") {
                if tail[sp + "search_path".len()..].contains(';') {
                    return Some(line_start + i);
                }
            }
        }
        line_start += line.len() + 1;
    }
    None
}

/// The dollar-quoted blocks pum 1.x protects from splitting, as byte
/// ranges: the leftmost-first matches of its pattern
/// `$$BODY$$...$$BODY$$ | $BODY$...$BODY$ | $$DO$$...$$DO$$ | $DO$...$DO$ |
/// $tag$...$tag2$ | $$...$$` (any case, lazy, across lines; note that the
/// generic form closes at the first `$tag$`, whatever its tag).
fn dollar_blocks(sql: &str) -> Vec<(usize, usize)> {
    let b = sql.as_bytes();
    let lower = sql.to_ascii_lowercase();
    let tag_end = |mut i: usize| {
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        i
    };
    // `$tag$` at i: its end.
    let dollar_tag = |i: usize| -> Option<usize> {
        if b.get(i) != Some(&b'$') {
            return None;
        }
        let e = tag_end(i + 1);
        (b.get(e) == Some(&b'$')).then_some(e + 1)
    };
    // Every place a generic closer `$tag$` starts.
    let closers: Vec<usize> = (0..b.len()).filter(|&i| dollar_tag(i).is_some()).collect();
    let mut blocks = Vec::new();
    let mut at = 0;
    while let Some(p) = sql[at..].find('$').map(|i| at + i) {
        let mut found = None;
        for word in ["$$body$$", "$body$", "$$do$$", "$do$"] {
            if lower[p..].starts_with(word) {
                if let Some(q) = lower[p + word.len()..].find(word) {
                    found = Some(p + word.len() + q + word.len());
                    break;
                }
            }
        }
        if found.is_none() {
            if let Some(open_end) = dollar_tag(p) {
                let k = closers.partition_point(|&c| c < open_end);
                if let Some(&c) = closers.get(k) {
                    found = dollar_tag(c);
                }
            }
        }
        match found {
            Some(end) => {
                blocks.push((p, end));
                at = end;
            }
            None => at = p + 1,
        }
    }
    blocks
}

/// pum 1.x's splitting: byte ranges of the statements of `sql`.
fn split(sql: &str) -> Vec<(usize, usize)> {
    let blocks = dollar_blocks(sql);
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let (mut single, mut double, mut comment) = (false, false, false);
    let mut start = 0;
    let mut next_block = 0;
    let mut i = 0;
    while i < b.len() {
        if let Some(&(s, e)) = blocks.get(next_block) {
            if i == s {
                i = e;
                next_block += 1;
                continue;
            }
        }
        let c = b[i];
        if comment {
            if c == b'\n' {
                comment = false;
            }
        } else if !single && !double && b[i..].starts_with(b"--") {
            comment = true;
            i += 2;
            continue;
        } else if !double && c == b'\'' {
            single = !single;
        } else if !single && c == b'"' {
            double = !double;
        } else if !single && !double && c == b';' {
            out.push((start, i));
            start = i + 1;
        }
        i += 1;
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

fn line_at(line_starts: &[usize], offset: usize) -> usize {
    line_starts.partition_point(|&s| s <= offset)
}

/// A file's statements, as pum 1.x's `sql_chunks_from_file` finds them.
pub fn chunks(text: &str) -> Result<Vec<Chunk>, SqlProblem> {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let first = remove_block_comments(text);
    let second = remove_line_comments(&first.text);
    let sql = &second.text;
    let line_of = |at: usize| line_at(&line_starts, first.source_offset(second.source_offset(at)));
    let lower = sql.to_ascii_lowercase();
    for word in ["begin", "commit"] {
        if let Some(at) = find_word_then_semicolon(sql, &lower, word) {
            return Err(SqlProblem {
                line: line_of(at),
                message: format!(
                    "`{};` is not allowed in a pum 1.x module: pum runs the whole install or \
                     upgrade in one transaction (pum 1.x refuses it too); remove it",
                    word.to_uppercase()
                ),
            });
        }
    }
    if let Some(at) = find_search_path_reset(&lower) {
        return Err(SqlProblem {
            line: line_of(at),
            message: "setting search_path with `SELECT pg_catalog.set_config(...)` is not \
                      allowed in a pum 1.x module (pum 1.x refuses it: it breaks the \
                      installation of PostGIS); remove it, e.g. the line pg_dump writes"
                .into(),
        });
    }
    Ok(split(sql)
        .into_iter()
        .filter_map(|(s, e)| {
            let raw = &sql[s..e];
            let trimmed = raw.trim_start_matches(py_space);
            let lead = raw.len() - trimmed.len();
            let stmt = trimmed.trim_end_matches(py_space);
            (!stmt.is_empty()).then(|| Chunk {
                text: stmt.to_string(),
                line: line_of(s + lead),
            })
        })
        .collect())
}

/// What a `{name}` placeholder becomes.
pub enum Lookup {
    /// Its SQL literal.
    Literal(String),
    /// Known but not usable here; the message says why.
    Refused(String),
    /// Not a parameter.
    Unknown,
}

/// psycopg's `sql.SQL(text).format(**parameters)`: `lookup` gives what a
/// name becomes. The error has the 0-based line inside `text` and the
/// reason.
pub fn format(text: &str, lookup: &dyn Fn(&str) -> Lookup) -> Result<String, (usize, String)> {
    let line = |at: usize| text[..at].matches('\n').count();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    const BRACES: &str = "write `{{` and `}}` for literal braces (pum 1.x formats every statement \
                          with psycopg's sql.SQL.format, which reads `{name}` as a parameter)";
    while let Some(i) = text[at..].find(['{', '}']).map(|i| at + i) {
        out.push_str(&text[at..i]);
        let c = text.as_bytes()[i];
        let next = text.as_bytes().get(i + 1).copied();
        if next == Some(c) {
            out.push(c as char);
            at = i + 2;
            continue;
        }
        if c == b'}' {
            return Err((line(i), format!("a single `}}`: {BRACES}")));
        }
        // A field: up to the matching `}` (braces nest in a format spec).
        let mut depth = 1;
        let mut end = None;
        for (k, ch) in text[i + 1..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i + 1 + k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            return Err((line(i), format!("a single `{{`: {BRACES}")));
        };
        let field = &text[i + 1..end];
        let (name, rest) = match field.find([':', '!']) {
            Some(k) => (&field[..k], &field[k..]),
            None => (field, ""),
        };
        // `{name:}` (an empty spec) is accepted, as Python accepts it.
        if !rest.is_empty() && rest != ":" {
            return Err((
                line(i),
                format!(
                    "`{{{field}}}`: a format specification or conversion is not allowed in a \
                     parameter; write `{{{name}}}`, or {BRACES}"
                ),
            ));
        }
        if name.is_empty() || name.chars().all(char::is_numeric) {
            return Err((
                line(i),
                format!(
                    "`{{{field}}}` is a positional placeholder, which has no value here: {BRACES}"
                ),
            ));
        }
        match lookup(name) {
            Lookup::Literal(sql) => out.push_str(&sql),
            Lookup::Refused(message) => return Err((line(i), message)),
            Lookup::Unknown => {
                return Err((
                    line(i),
                    format!("`{{{name}}}` is not a parameter of the module; {BRACES}"),
                ))
            }
        }
        at = end + 1;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<String> {
        chunks(sql).unwrap().into_iter().map(|c| c.text).collect()
    }

    #[test]
    fn splits_as_pum_1_splits() {
        // Expected values printed by pum 1.9.2's sql_chunks_from_file.
        assert_eq!(
            texts("CREATE TABLE a (i int);\nINSERT INTO a VALUES (1);\n"),
            ["CREATE TABLE a (i int)", "INSERT INTO a VALUES (1)"]
        );
        assert_eq!(
            texts("COMMENT ON TABLE a IS 'x;y';SELECT \"a;b\" FROM t;"),
            ["COMMENT ON TABLE a IS 'x;y'", "SELECT \"a;b\" FROM t"]
        );
        assert_eq!(
            texts("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nDO $BODY$ BEGIN PERFORM 1; END $BODY$;"),
            [
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql",
                "DO $BODY$ BEGIN PERFORM 1; END $BODY$"
            ]
        );
        // Comments: whole lines and after `;` go; `/* */` goes everywhere.
        assert_eq!(
            texts(
                "-- head\nSELECT 1; -- tail; still comment\n  -- indented\nSELECT /* a; b */ 2;\n"
            ),
            ["SELECT 1", "SELECT  2"]
        );
        // A comment inside a line stays, and its `;` does not split.
        assert_eq!(texts("SELECT 1 -- x; y\n;"), ["SELECT 1 -- x; y"]);
        // Empty statements are dropped.
        assert_eq!(texts(";;\n ; SELECT 1;;"), ["SELECT 1"]);
    }

    #[test]
    fn line_breaks_are_read_as_python_reads_them() {
        assert_eq!(as_python_reads("\u{feff}a\r\nb\rc\n"), "a\nb\nc\n");
        let t = as_python_reads("-- c\r\nSELECT 'x\r\ny';\r\n");
        assert_eq!(texts(&t), ["SELECT 'x\ny'"]);
    }

    #[test]
    fn statements_keep_their_line() {
        let c = chunks("/* a\nb */\n-- c\n\nSELECT 1;\n\n  SELECT\n 2;").unwrap();
        assert_eq!(c[0].line, 5);
        assert_eq!(c[1].line, 7);
    }

    #[test]
    fn transaction_control_and_search_path_resets_are_refused() {
        let e = chunks("SELECT 1;\nBEGIN ;\nSELECT 2;").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message.contains("`BEGIN;` is not allowed"),
            "{}",
            e.message
        );
        assert!(chunks("commit;").unwrap_err().message.contains("`COMMIT;`"));
        // Not a statement: a word, a block, a comment.
        assert!(chunks("CREATE TABLE begin_x (i int);\nDO $$ BEGIN PERFORM 1; END $$;").is_ok());
        assert!(chunks("-- BEGIN;\nSELECT 1;\n/* COMMIT; */").is_ok());
        let e = chunks("SELECT 1;\nSELECT pg_catalog.set_config('search_path', '', false);\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("search_path"), "{}", e.message);
        // pum 1.x's pattern wants `pg_catalog.` and one line.
        assert!(chunks("SELECT set_config('search_path', '', false);").is_ok());
        assert!(chunks("SET search_path = a;").is_ok());
    }

    #[test]
    fn dollar_blocks_follow_pum_1_patterns() {
        // The generic form closes at the first `$tag$`, whatever its tag.
        assert_eq!(
            texts("SELECT $a$ x; $b$; SELECT 2;"),
            ["SELECT $a$ x; $b$", "SELECT 2"]
        );
        assert_eq!(
            texts("DO $body$ BEGIN PERFORM $x$;$x$; END $body$; SELECT 3"),
            ["DO $body$ BEGIN PERFORM $x$;$x$; END $body$", "SELECT 3"]
        );
    }

    fn lookup(name: &str) -> Lookup {
        match name {
            "SRID" => Lookup::Literal("2056".into()),
            "lang" => Lookup::Literal("'en'".into()),
            "app" => Lookup::Refused("app is app_only".into()),
            _ => Lookup::Unknown,
        }
    }

    #[test]
    fn parameters_follow_sql_format_rules() {
        assert_eq!(
            format("SELECT {SRID}, {lang}, '{{1,2}}', {SRID:}", &lookup).unwrap(),
            "SELECT 2056, 'en', '{1,2}', 2056"
        );
        for (text, needle) in [
            ("SELECT '{1,2}'", "`{1,2}` is not a parameter"),
            ("SELECT {x}", "`{x}` is not a parameter"),
            ("SELECT {}", "positional placeholder"),
            ("SELECT {0}", "positional placeholder"),
            ("SELECT {SRID!r}", "conversion is not allowed"),
            ("SELECT {SRID:>5}", "specification or conversion"),
            ("SELECT 1}", "a single `}`"),
            ("SELECT {", "a single `{`"),
            ("SELECT {app}", "app is app_only"),
        ] {
            let (_, message) = format(text, &lookup).unwrap_err();
            assert!(message.contains(needle), "{text}: {message}");
        }
        assert_eq!(format("a\nb\n{x}", &lookup).unwrap_err().0, 2);
    }
}
