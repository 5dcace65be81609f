//! SQL delta files: splitting them into statements the way psql does, and
//! pum 0.x's variable substitution.
//!
//! Delta files are plain SQL scripts, often written by `pg_dump` in plain
//! format. pum sends them to the server one statement at a time, like psql,
//! so that `COPY ... FROM stdin;` followed by inline data works and so that a
//! failing statement can be traced back to its line in the file.
//!
//! The splitter mirrors psql's lexer (`psqlscan.l`): a `;` ends a statement
//! only outside quotes, comments and parentheses, and outside the body of a
//! SQL-standard routine (`BEGIN ATOMIC ... END`). Strings are read as with
//! `standard_conforming_strings = on` (the default since PostgreSQL 9.1, and
//! what `pg_dump` sets): backslashes only escape inside `E'...'` strings.

use std::fmt;

use crate::vars::Variables;

/// One unit sent to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A statement: its text exactly as in the file, from its first
    /// significant character to and including the terminating `;` (if any).
    /// Whitespace and comments before it are not included.
    Statement {
        /// The statement text.
        sql: String,
        /// 1-based line in the file where `sql` starts.
        line: usize,
    },
    /// `COPY ... FROM stdin` with the data rows that follow it in the file.
    Copy {
        /// The `COPY` statement text, up to and including its `;`.
        sql: String,
        /// 1-based line in the file where `sql` starts.
        line: usize,
        /// The data rows, each ending with `'\n'`, without the `\.` line.
        data: String,
        /// 1-based line in the file of the first data row.
        data_line: usize,
    },
}

impl Piece {
    /// The SQL text of the piece (for a copy, the `COPY` statement).
    pub fn sql(&self) -> &str {
        match self {
            Piece::Statement { sql, .. } | Piece::Copy { sql, .. } => sql,
        }
    }

    /// 1-based line in the file where the piece's SQL starts.
    pub fn line(&self) -> usize {
        match self {
            Piece::Statement { line, .. } | Piece::Copy { line, .. } => *line,
        }
    }
}

/// Error while reading a script (unterminated quote, bad psql meta-command,
/// bad variable...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// 1-based line in the file the error refers to.
    pub line: usize,
    /// What is wrong, for a human.
    pub message: String,
}

impl ScriptError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        ScriptError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ScriptError {}

/// Splits a script into pieces. `text` has already had a UTF-8 BOM removed.
pub fn split(text: &str) -> Result<Vec<Piece>, ScriptError> {
    Splitter::new(text).run()
}

/// Line in the file of a 1-based *character* (not byte) position inside a
/// piece's sql, as reported by the server in an error's position field.
/// Positions past the end map to the last line of the statement.
pub fn line_of_position(piece: &Piece, position: usize) -> usize {
    let before = position.saturating_sub(1);
    piece.line()
        + piece
            .sql()
            .chars()
            .take(before)
            .filter(|&c| c == '\n')
            .count()
}

/// True when the file's first line is exactly `-- pum:no-transaction`
/// (trailing whitespace and a trailing `'\r'` allowed; the marker is
/// case-sensitive).
pub fn is_no_transaction(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.split('\n').next().unwrap_or("");
    first.trim_end() == "-- pum:no-transaction"
}

/// pum 0.x variable substitution: psycopg2's "pyformat" applied to the whole
/// file text. Only called when at least one variable was given.
///
/// Like psycopg2, the text is scanned blindly (quotes and comments are not
/// special): `%%` becomes `%`, `%(name)s` becomes the variable's SQL literal,
/// and any other `%` is an error.
pub fn substitute(text: &str, vars: &Variables) -> Result<String, ScriptError> {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut line = 1;
    let mut copied = 0; // text[..copied] is in `out` (or replaced)
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'%' => {
                out.push_str(&text[copied..i]);
                match b.get(i + 1) {
                    Some(b'%') => {
                        out.push('%');
                        i += 2;
                    }
                    Some(b'(') => {
                        let name_start = i + 2;
                        // psycopg2: the key runs to the first ')'; a '%'
                        // before it means the placeholder is incomplete.
                        let close = b[name_start..]
                            .iter()
                            .position(|&c| c == b')' || c == b'%')
                            .map(|p| name_start + p)
                            .filter(|&p| b[p] == b')');
                        let Some(close) = close else {
                            return Err(ScriptError::new(
                                line,
                                "unterminated placeholder `%(` (no `)` follows); pum variables \
                                 are written %(name)s, and a literal % must be written %% when \
                                 variables are given (-v)",
                            ));
                        };
                        let name = &text[name_start..close];
                        match text[close + 1..].chars().next() {
                            Some('s') => {}
                            other => {
                                let found = match other {
                                    Some(c) => format!("%({name}){}", shown(c)),
                                    None => format!("%({name})"),
                                };
                                return Err(ScriptError::new(
                                    line,
                                    format!(
                                        "unsupported format `{found}`; pum variables are \
                                         written %(name)s"
                                    ),
                                ));
                            }
                        }
                        let Some(value) = vars.get(name) else {
                            return Err(ScriptError::new(
                                line,
                                format!(
                                    "variable `{name}` is not defined; pass it with -v TYPE \
                                     {name} VALUE (or write %% for a literal %)"
                                ),
                            ));
                        };
                        out.push_str(&value.sql_literal());
                        line += name.bytes().filter(|&c| c == b'\n').count();
                        i = close + 2;
                    }
                    _ => {
                        let found = match text[i + 1..].chars().next() {
                            Some(c) => format!("`%{}`", shown(c)),
                            None => "`%` at the end of the file".to_string(),
                        };
                        return Err(ScriptError::new(
                            line,
                            format!(
                                "a literal % must be written %% when variables are given (-v); \
                                 found {found}"
                            ),
                        ));
                    }
                }
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// A `%(name)s` placeholder of pum's variable syntax, found in a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Placeholder {
    /// The variable name.
    pub name: String,
    /// 1-based line of the placeholder.
    pub line: usize,
}

/// Every `%(name)s` placeholder of the text, in order, scanned the way
/// [`substitute`] scans (blindly; `%%` is a literal `%`). Anything else
/// that starts with `%` is passed over.
pub fn placeholders(text: &str) -> Vec<Placeholder> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => line += 1,
            b'%' if b.get(i + 1) == Some(&b'%') => i += 1,
            b'%' if b.get(i + 1) == Some(&b'(') => {
                let start = i + 2;
                let close = b[start..]
                    .iter()
                    .position(|&c| c == b')' || c == b'%')
                    .map(|p| start + p)
                    .filter(|&p| b[p] == b')' && p > start && b.get(p + 1) == Some(&b's'));
                if let Some(close) = close {
                    let name = &text[start..close];
                    found.push(Placeholder {
                        name: name.to_string(),
                        line,
                    });
                    line += name.bytes().filter(|&c| c == b'\n').count();
                    i = close + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// A character for an error message: control characters (a newline...)
/// escaped, anything else as is.
fn shown(c: char) -> String {
    if c.is_control() {
        c.escape_default().to_string()
    } else {
        c.to_string()
    }
}

/// First words of a statement that matter for `CREATE [OR REPLACE]
/// FUNCTION|PROCEDURE` detection (as psql does it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadWord {
    Create,
    Or,
    Replace,
    Routine,
    Other,
}

/// Where a `COPY` statement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CopyState {
    /// Not a `COPY` statement.
    No,
    /// A `COPY` statement; `FROM STDIN` not seen yet.
    Copy,
    /// `COPY ... FROM STDIN`: data follows the statement.
    FromStdin,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit() || c == b'$'
}

fn is_dolq_cont(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

fn count_newlines(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'\n').count()
}

struct Splitter<'a> {
    text: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Line of `pos`.
    line: usize,
    pieces: Vec<Piece>,

    // The statement being read.
    /// Byte offset and line of its first significant character.
    start: Option<(usize, usize)>,
    /// Byte offset just past its last significant token.
    last_end: usize,
    paren_depth: usize,
    /// Number of (unquoted) words seen.
    words: usize,
    head: [HeadWord; 4],
    /// The statement is `CREATE [OR REPLACE] FUNCTION|PROCEDURE`.
    routine: bool,
    /// The previous token was the word `BEGIN` (in a routine, depth 0).
    begin_pending: bool,
    /// Nesting of `BEGIN ATOMIC` / `CASE` ... `END`.
    begin_depth: usize,
    copy: CopyState,
    /// The previous token was the word `FROM` (in a COPY, depth 0).
    after_from: bool,
}

impl<'a> Splitter<'a> {
    fn new(text: &'a str) -> Self {
        Splitter {
            text,
            b: text.as_bytes(),
            pos: 0,
            line: 1,
            pieces: Vec::new(),
            start: None,
            last_end: 0,
            paren_depth: 0,
            words: 0,
            head: [HeadWord::Other; 4],
            routine: false,
            begin_pending: false,
            begin_depth: 0,
            copy: CopyState::No,
            after_from: false,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.b.get(self.pos + offset).copied()
    }

    fn run(mut self) -> Result<Vec<Piece>, ScriptError> {
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            match c {
                b'\n' => {
                    self.line += 1;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'-' if self.peek(1) == Some(b'-') => self.skip_line_comment(),
                b'/' if self.peek(1) == Some(b'*') => self.block_comment()?,
                b'\\' if self.start.is_none() => self.meta_command()?,
                b';' => self.semicolon()?,
                _ => {
                    if self.start.is_none() {
                        self.start = Some((self.pos, self.line));
                    }
                    let mut is_word = false;
                    match c {
                        b'\'' => self.quoted(b'\'', false, "quoted string")?,
                        b'"' => self.quoted(b'"', false, "quoted identifier")?,
                        b'$' => self.dollar()?,
                        b'(' => {
                            self.paren_depth += 1;
                            self.pos += 1;
                        }
                        b')' => {
                            self.paren_depth = self.paren_depth.saturating_sub(1);
                            self.pos += 1;
                        }
                        b'0'..=b'9' => self.number(),
                        c if is_ident_start(c) => is_word = self.word()?,
                        _ => self.pos += 1,
                    }
                    if !is_word {
                        self.begin_pending = false;
                        self.after_from = false;
                    }
                    self.last_end = self.pos;
                }
            }
        }
        if let Some((start, line)) = self.start {
            if self.copy == CopyState::FromStdin {
                return Err(unterminated_copy(line));
            }
            self.pieces.push(Piece::Statement {
                sql: self.text[start..self.last_end].to_string(),
                line,
            });
        }
        Ok(self.pieces)
    }

    /// `--` comment: up to (not including) the end of the line.
    fn skip_line_comment(&mut self) {
        self.pos = match self.b[self.pos..].iter().position(|&c| c == b'\n') {
            Some(p) => self.pos + p,
            None => self.b.len(),
        };
    }

    /// `/* ... */` comment; they nest.
    fn block_comment(&mut self) -> Result<(), ScriptError> {
        let start_line = self.line;
        let b = self.b;
        let mut p = self.pos + 2;
        let mut depth = 1;
        while depth > 0 {
            match b.get(p) {
                None => {
                    return Err(ScriptError::new(
                        start_line,
                        "unterminated /* comment starting here",
                    ))
                }
                Some(b'/') if b.get(p + 1) == Some(&b'*') => {
                    depth += 1;
                    p += 2;
                }
                Some(b'*') if b.get(p + 1) == Some(&b'/') => {
                    depth -= 1;
                    p += 2;
                }
                Some(b'\n') => {
                    self.line += 1;
                    p += 1;
                }
                Some(_) => p += 1,
            }
        }
        self.pos = p;
        Ok(())
    }

    /// A string or quoted identifier; `self.pos` is at the opening quote.
    /// A doubled quote stands for itself; with `backslash`, a backslash
    /// escapes the next character (E'' strings).
    fn quoted(&mut self, quote: u8, backslash: bool, what: &str) -> Result<(), ScriptError> {
        let start_line = self.line;
        let b = self.b;
        let mut p = self.pos + 1;
        loop {
            match b.get(p) {
                None => {
                    return Err(ScriptError::new(
                        start_line,
                        format!("unterminated {what} starting here"),
                    ))
                }
                Some(&c) if c == quote => {
                    if b.get(p + 1) == Some(&quote) {
                        p += 2;
                    } else {
                        p += 1;
                        break;
                    }
                }
                Some(b'\\') if backslash => {
                    p += 1;
                    if b.get(p) == Some(&b'\n') {
                        self.line += 1;
                    }
                    if p < b.len() {
                        p += 1;
                    }
                }
                Some(b'\n') => {
                    self.line += 1;
                    p += 1;
                }
                Some(_) => p += 1,
            }
        }
        self.pos = p;
        Ok(())
    }

    /// `$`: a dollar-quoted string, a `$1` parameter or a lone `$`.
    fn dollar(&mut self) -> Result<(), ScriptError> {
        let b = self.b;
        let start = self.pos;
        let mut e = start + 1;
        if b.get(e).is_some_and(u8::is_ascii_digit) {
            while b.get(e).is_some_and(u8::is_ascii_digit) {
                e += 1;
            }
            self.pos = e;
            return Ok(());
        }
        if b.get(e).is_some_and(|&c| is_ident_start(c)) {
            e += 1;
            while b.get(e).is_some_and(|&c| is_dolq_cont(c)) {
                e += 1;
            }
        }
        if b.get(e) != Some(&b'$') {
            // Not a delimiter: the `$` alone; what follows is lexed anew.
            self.pos = start + 1;
            return Ok(());
        }
        let delim = &self.text[start..=e];
        let body = e + 1;
        match self.text[body..].find(delim) {
            Some(i) => {
                let end = body + i + delim.len();
                self.line += count_newlines(&b[start..end]);
                self.pos = end;
                Ok(())
            }
            None => Err(ScriptError::new(
                self.line,
                format!("unterminated dollar-quoted string {delim} starting here"),
            )),
        }
    }

    /// A numeric literal (possibly followed by identifier characters, which
    /// the server rejects; what matters here is that a following `$` is not
    /// part of an identifier).
    fn number(&mut self) {
        let b = self.b;
        let mut p = self.pos;
        while p < b.len() && (b[p].is_ascii_digit() || b[p] == b'_' || b[p] == b'.') {
            p += 1;
        }
        if p < b.len() && is_ident_start(b[p]) {
            while p < b.len() && is_ident_cont(b[p]) {
                p += 1;
            }
        }
        self.pos = p;
    }

    /// An identifier or keyword (or the `E` of an `E'...'` string). Returns
    /// whether it was a word.
    fn word(&mut self) -> Result<bool, ScriptError> {
        let b = self.b;
        let start = self.pos;
        let mut e = start + 1;
        while e < b.len() && is_ident_cont(b[e]) {
            e += 1;
        }
        let w = &b[start..e];
        if (w == b"e" || w == b"E") && b.get(e) == Some(&b'\'') {
            self.pos = e;
            self.quoted(b'\'', true, "E'' string")?;
            return Ok(false);
        }
        self.pos = e;
        self.on_word(w);
        Ok(true)
    }

    fn on_word(&mut self, w: &[u8]) {
        let is = |kw: &str| w.eq_ignore_ascii_case(kw.as_bytes());
        let index = self.words;
        self.words += 1;
        if index < self.head.len() {
            self.head[index] = if is("create") {
                HeadWord::Create
            } else if is("or") {
                HeadWord::Or
            } else if is("replace") {
                HeadWord::Replace
            } else if is("function") || is("procedure") {
                HeadWord::Routine
            } else {
                HeadWord::Other
            };
            use HeadWord::*;
            self.routine = matches!(self.head, [Create, Routine, ..])
                || (index >= 3 && matches!(self.head, [Create, Or, Replace, Routine]));
            if index == 0 && is("copy") {
                self.copy = CopyState::Copy;
            }
        }

        if self.copy == CopyState::Copy && self.paren_depth == 0 {
            if self.after_from && is("stdin") {
                self.copy = CopyState::FromStdin;
            }
            self.after_from = is("from");
        } else {
            self.after_from = false;
        }

        if self.routine {
            if self.begin_pending {
                self.begin_pending = false;
                if is("atomic") {
                    self.begin_depth += 1;
                    return;
                }
            }
            if self.paren_depth == 0 {
                if is("begin") {
                    self.begin_pending = true;
                } else if is("case") {
                    // CASE also ends with END; only tracked inside a body.
                    if self.begin_depth > 0 {
                        self.begin_depth += 1;
                    }
                } else if is("end") {
                    self.begin_depth = self.begin_depth.saturating_sub(1);
                }
            }
        }
    }

    fn semicolon(&mut self) -> Result<(), ScriptError> {
        self.pos += 1;
        let Some((start, line)) = self.start else {
            // An empty statement: nothing to send.
            return Ok(());
        };
        self.last_end = self.pos;
        self.begin_pending = false;
        self.after_from = false;
        if self.paren_depth > 0 || self.begin_depth > 0 {
            return Ok(());
        }
        let sql = self.text[start..self.pos].to_string();
        if self.copy == CopyState::FromStdin {
            let (data, data_line) = self.copy_data(line)?;
            self.pieces.push(Piece::Copy {
                sql,
                line,
                data,
                data_line,
            });
        } else {
            self.pieces.push(Piece::Statement { sql, line });
        }
        self.start = None;
        self.paren_depth = 0;
        self.words = 0;
        self.head = [HeadWord::Other; 4];
        self.routine = false;
        self.begin_depth = 0;
        self.copy = CopyState::No;
        Ok(())
    }

    /// Reads the data of a `COPY ... FROM stdin`: the lines after the one
    /// holding the statement's `;`, up to a line `\.`.
    fn copy_data(&mut self, copy_line: usize) -> Result<(String, usize), ScriptError> {
        let b = self.b;
        // Rest of the statement's line: only whitespace or a `--` comment.
        let mut p = self.pos;
        loop {
            match b.get(p) {
                None => return Err(unterminated_copy(copy_line)),
                Some(b'\n') => break,
                Some(b' ' | b'\t' | b'\r' | 0x0b | 0x0c) => p += 1,
                Some(b'-') if b.get(p + 1) == Some(&b'-') => {
                    match b[p..].iter().position(|&c| c == b'\n') {
                        Some(n) => p += n,
                        None => return Err(unterminated_copy(copy_line)),
                    }
                }
                Some(_) => {
                    return Err(ScriptError::new(
                        self.line,
                        "COPY FROM stdin data starts on the line after the `;`; text after \
                         the `;` on the same line is not supported",
                    ))
                }
            }
        }
        p += 1;
        self.line += 1;
        let data_line = self.line;
        let mut data = String::new();
        loop {
            if p >= b.len() {
                return Err(unterminated_copy(copy_line));
            }
            let (end, next) = match b[p..].iter().position(|&c| c == b'\n') {
                Some(n) => (p + n, p + n + 1),
                None => (b.len(), b.len()),
            };
            let row = &self.text[p..end];
            let row = row.strip_suffix('\r').unwrap_or(row);
            if row == "\\." {
                if next > end {
                    self.line += 1;
                }
                self.pos = next;
                return Ok((data, data_line));
            }
            if next == end {
                // Last line of the file, and not `\.`.
                return Err(unterminated_copy(copy_line));
            }
            data.push_str(row);
            data.push('\n');
            self.line += 1;
            p = next;
        }
    }

    /// A psql meta-command at the start of a statement: `\restrict` and
    /// `\unrestrict` (pg_dump 17.6+) are ignored, anything else is refused.
    fn meta_command(&mut self) -> Result<(), ScriptError> {
        let b = self.b;
        let name_start = self.pos + 1;
        let mut e = name_start;
        while e < b.len() && (b[e].is_ascii_alphanumeric() || b[e] == b'_') {
            e += 1;
        }
        if e == name_start {
            if let Some(c) = self.text[e..].chars().next() {
                if !c.is_whitespace() {
                    e += c.len_utf8();
                }
            }
        }
        let name = &self.text[self.pos..e];
        if name == "\\restrict" || name == "\\unrestrict" {
            self.skip_line_comment();
            return Ok(());
        }
        Err(ScriptError::new(
            self.line,
            format!(
                "psql meta-command `{name}` is not supported in delta files; remove it \
                 (pum runs the file on the connection given with -p)"
            ),
        ))
    }
}

fn unterminated_copy(line: usize) -> ScriptError {
    ScriptError::new(
        line,
        "COPY FROM stdin data is not terminated by a line `\\.`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::Value;

    fn stmt(sql: &str, line: usize) -> Piece {
        Piece::Statement {
            sql: sql.to_string(),
            line,
        }
    }

    fn sqls(text: &str) -> Vec<String> {
        split(text)
            .unwrap()
            .iter()
            .map(|p| p.sql().to_string())
            .collect()
    }

    fn err(text: &str) -> ScriptError {
        split(text).unwrap_err()
    }

    #[test]
    fn simple_statements_and_lines() {
        let text = "SELECT 1;\nSELECT 2; SELECT 3;\n\n  SELECT\n  4;\n";
        assert_eq!(
            split(text).unwrap(),
            vec![
                stmt("SELECT 1;", 1),
                stmt("SELECT 2;", 2),
                stmt("SELECT 3;", 2),
                stmt("SELECT\n  4;", 4),
            ]
        );
    }

    #[test]
    fn semicolons_in_strings() {
        assert_eq!(
            sqls("SELECT 'a;b', 'it''s;';SELECT 2;"),
            vec!["SELECT 'a;b', 'it''s;';", "SELECT 2;"]
        );
        // A backslash does not escape in a standard string.
        assert_eq!(
            sqls("SELECT 'a\\';SELECT 2;"),
            vec!["SELECT 'a\\';", "SELECT 2;"]
        );
        // ... but does in an E'' string.
        assert_eq!(
            sqls("SELECT E'it\\'s;', e'\\\\';SELECT 2;"),
            vec!["SELECT E'it\\'s;', e'\\\\';", "SELECT 2;"]
        );
        // `somE'...'` is an identifier followed by a standard string.
        assert_eq!(
            sqls("SELECT somE'a\\';SELECT 2;"),
            vec!["SELECT somE'a\\';", "SELECT 2;"]
        );
        // Other prefixed strings are standard strings.
        assert_eq!(
            sqls("SELECT B'01', X'ff', N'a;', U&'d\\0061;';SELECT 2;"),
            vec!["SELECT B'01', X'ff', N'a;', U&'d\\0061;';", "SELECT 2;"]
        );
    }

    #[test]
    fn semicolons_in_quoted_identifiers() {
        assert_eq!(
            sqls("CREATE TABLE \"a;\"\"b\" (x int);SELECT 2;"),
            vec!["CREATE TABLE \"a;\"\"b\" (x int);", "SELECT 2;"]
        );
    }

    #[test]
    fn dollar_quotes() {
        assert_eq!(
            sqls("SELECT $$a;b$$;SELECT $body$ $$;$ $b$ ; $body$;SELECT 3;"),
            vec![
                "SELECT $$a;b$$;",
                "SELECT $body$ $$;$ $b$ ; $body$;",
                "SELECT 3;"
            ]
        );
        // `$1` is a parameter, not a dollar quote.
        assert_eq!(
            sqls("PREPARE p AS SELECT $1, $2;SELECT 2;"),
            vec!["PREPARE p AS SELECT $1, $2;", "SELECT 2;"]
        );
        // `$` inside an identifier does not start a quote.
        assert_eq!(
            sqls("SELECT a$$b;SELECT 2;"),
            vec!["SELECT a$$b;", "SELECT 2;"]
        );
        // Tags are case-sensitive.
        assert_eq!(
            sqls("SELECT $A$ $a$; $A$;SELECT 2;"),
            vec!["SELECT $A$ $a$; $A$;", "SELECT 2;"]
        );
        // Non-ASCII tag.
        assert_eq!(
            sqls("SELECT $é$;$é$;SELECT 2;"),
            vec!["SELECT $é$;$é$;", "SELECT 2;"]
        );
    }

    #[test]
    fn function_with_dollar_body() {
        let text = "CREATE OR REPLACE FUNCTION f() RETURNS trigger AS $$\n\
                    BEGIN\n  NEW.x := 1;\n  RETURN NEW;\nEND;\n$$ LANGUAGE plpgsql;\n\
                    SELECT 2;\n";
        let pieces = split(text).unwrap();
        assert_eq!(pieces.len(), 2);
        assert!(pieces[0].sql().ends_with("$$ LANGUAGE plpgsql;"));
        assert_eq!(pieces[1], stmt("SELECT 2;", 7));
    }

    #[test]
    fn comments() {
        let text = "-- a comment; with semicolon\n\
                    /* block; /* nested; */ still; */ SELECT /* ; */ 1 -- ;\n;\n\
                    SELECT 2; -- trailing\n";
        assert_eq!(
            split(text).unwrap(),
            vec![stmt("SELECT /* ; */ 1 -- ;\n;", 2), stmt("SELECT 2;", 4)]
        );
        // `--` inside an operator still starts a comment.
        assert_eq!(sqls("SELECT 1+--;\n2;"), vec!["SELECT 1+--;\n2;"]);
        // `/*/` does not close a comment.
        assert_eq!(sqls("/*/ ; */SELECT 1;"), vec!["SELECT 1;"]);
    }

    #[test]
    fn statement_after_multiline_comment() {
        let text = "/*\n * header\n */\n\nCREATE TABLE t (\n  id int\n);\n\n-- x\nDROP TABLE t;";
        assert_eq!(
            split(text).unwrap(),
            vec![
                stmt("CREATE TABLE t (\n  id int\n);", 5),
                stmt("DROP TABLE t;", 10),
            ]
        );
    }

    #[test]
    fn parentheses() {
        assert_eq!(
            sqls("CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));SELECT 2;"),
            vec![
                "CREATE RULE r AS ON INSERT TO t DO INSTEAD (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));",
                "SELECT 2;"
            ]
        );
        // Parentheses in strings do not count.
        assert_eq!(
            sqls("SELECT '(';SELECT ')';"),
            vec!["SELECT '(';", "SELECT ')';"]
        );
        // A stray `)` does not break later splitting.
        assert_eq!(sqls("SELECT );SELECT 2;"), vec!["SELECT );", "SELECT 2;"]);
    }

    #[test]
    fn begin_atomic_body() {
        let text = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n\
                    BEGIN ATOMIC\n\
                      SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n\
                      SELECT (CASE a WHEN 1 THEN 2 END);\n\
                      SELECT a;\n\
                    END;\n\
                    create or replace procedure p() begin /* c */ atomic insert into t values (1); end;\n\
                    BEGIN;\n\
                    SELECT 1;\n\
                    END;\n";
        let pieces = split(text).unwrap();
        let s: Vec<&str> = pieces.iter().map(Piece::sql).collect();
        assert_eq!(s.len(), 5, "{s:?}");
        assert!(s[0].starts_with("CREATE FUNCTION") && s[0].ends_with("SELECT a;\nEND;"));
        assert_eq!(
            s[1],
            "create or replace procedure p() begin /* c */ atomic insert into t values (1); end;"
        );
        assert_eq!(&s[2..], &["BEGIN;", "SELECT 1;", "END;"]);
        assert_eq!(pieces[1].line(), 7);
        assert_eq!(pieces[4].line(), 10);
    }

    #[test]
    fn begin_not_atomic_in_function() {
        // A function named `begin` must not swallow the rest of the file.
        assert_eq!(
            sqls("CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql;SELECT 2;"),
            vec![
                "CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql;",
                "SELECT 2;"
            ]
        );
        // BEGIN/END outside routines do not nest.
        assert_eq!(
            sqls("BEGIN; CASE; END; SELECT 1;"),
            vec!["BEGIN;", "CASE;", "END;", "SELECT 1;"]
        );
    }

    #[test]
    fn crlf_input() {
        let text = "SELECT 1;\r\n-- c\r\nSELECT\r\n 'a;b';\r\nCOPY t FROM stdin;\r\n1\ta\r\n\\.\r\nSELECT 3;\r\n";
        let pieces = split(text).unwrap();
        assert_eq!(
            pieces,
            vec![
                stmt("SELECT 1;", 1),
                stmt("SELECT\r\n 'a;b';", 3),
                Piece::Copy {
                    sql: "COPY t FROM stdin;".into(),
                    line: 5,
                    data: "1\ta\n".into(),
                    data_line: 6
                },
                stmt("SELECT 3;", 8),
            ]
        );
    }

    #[test]
    fn copy_with_data() {
        let text = "SELECT 1;\n\
                    COPY public.t (id, name) FROM stdin;\n\
                    1\tit's; \\\\ back\\tslash\n\
                    2\t\\N\n\
                    \\.\n\
                    SELECT 2;\n\
                    copy t from STDIN;  \n\
                    \\.\n\
                    SELECT 3;";
        assert_eq!(
            split(text).unwrap(),
            vec![
                stmt("SELECT 1;", 1),
                Piece::Copy {
                    sql: "COPY public.t (id, name) FROM stdin;".into(),
                    line: 2,
                    data: "1\tit's; \\\\ back\\tslash\n2\t\\N\n".into(),
                    data_line: 3,
                },
                stmt("SELECT 2;", 6),
                Piece::Copy {
                    sql: "copy t from STDIN;".into(),
                    line: 7,
                    data: String::new(),
                    data_line: 8,
                },
                stmt("SELECT 3;", 9),
            ]
        );
    }

    #[test]
    fn copy_options_and_non_stdin_forms() {
        let text = "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true);\n\
                    a,b\n\
                    \"x;\",2\n\
                    \\.\n\
                    COPY t FROM stdin CSV HEADER; -- comment\n\
                    a\n\
                    \\.";
        let pieces = split(text).unwrap();
        assert_eq!(pieces.len(), 2);
        assert_eq!(
            pieces[0],
            Piece::Copy {
                sql: "COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER true);".into(),
                line: 1,
                data: "a,b\n\"x;\",2\n".into(),
                data_line: 2,
            }
        );
        assert_eq!(
            pieces[1],
            Piece::Copy {
                sql: "COPY t FROM stdin CSV HEADER;".into(),
                line: 5,
                data: "a\n".into(),
                data_line: 6,
            }
        );

        // Other COPY forms are ordinary statements.
        let text = "COPY t FROM '/tmp/stdin';\nCOPY t FROM PROGRAM 'cat stdin';\n\
                    COPY t TO STDOUT;\nCOPY (SELECT 1 FROM stdin) TO stdout;\n\
                    COPY t (\"from\", stdin) FROM '/f';\nSELECT 1 FROM stdin;\n";
        for p in split(text).unwrap() {
            assert!(matches!(p, Piece::Statement { .. }), "{p:?}");
        }
    }

    #[test]
    fn copy_unterminated() {
        let e = err("SELECT 1;\nCOPY t FROM stdin;\n1\t2\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("not terminated"), "{e}");
        // No data at all.
        assert_eq!(err("COPY t FROM stdin;").line, 1);
        assert_eq!(err("COPY t FROM stdin;\n").line, 1);
        // Without a `;`.
        assert_eq!(err("\n\nCOPY t FROM stdin").line, 3);
        // `\.` must be alone on its line.
        assert_eq!(err("COPY t FROM stdin;\n1\n\\. \n").line, 1);
        // Last row without newline.
        assert_eq!(err("COPY t FROM stdin;\n1").line, 1);
        // Text after the `;` on the same line.
        let e = err("COPY t FROM stdin; SELECT 1;\n\\.\n");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn copy_terminator_at_eof_without_newline() {
        assert_eq!(
            split("COPY t FROM stdin;\n1\n\\.").unwrap(),
            vec![Piece::Copy {
                sql: "COPY t FROM stdin;".into(),
                line: 1,
                data: "1\n".into(),
                data_line: 2,
            }]
        );
    }

    #[test]
    fn meta_commands() {
        let text = "\\restrict abcDEF123\n\nSELECT 1;\n  \\unrestrict abcDEF123\n";
        assert_eq!(split(text).unwrap(), vec![stmt("SELECT 1;", 3)]);

        let e = err("SELECT 1;\n\\connect mydb\nSELECT 2;");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("`\\connect`"), "{e}");
        assert!(e.message.contains("not supported"), "{e}");
        assert!(err("\\c mydb\n").message.contains("`\\c`"));
        assert!(err("\\i other.sql\n").message.contains("`\\i`"));
        assert!(err("\\set ON_ERROR_STOP on\n").message.contains("`\\set`"));
        assert!(err("SELECT 1; \\gset\n").message.contains("`\\gset`"));
        assert!(err("\\.\n").message.contains("`\\.`"));
        // `\restrictx` is another command.
        assert!(err("\\restrictx\n").message.contains("`\\restrictx`"));
    }

    #[test]
    fn unterminated_constructs() {
        let cases = [
            ("SELECT 1;\nSELECT 'abc;\n\n", 2, "quoted string"),
            ("SELECT 1;\n\nSELECT E'ab\\';\n", 3, "E'' string"),
            ("SELECT \"ab;\n", 1, "quoted identifier"),
            (
                "SELECT 1;\nCREATE FUNCTION f() AS $body$\nBEGIN; END;\n$$;\n",
                2,
                "$body$",
            ),
            ("SELECT $$\n;\n", 1, "$$"),
            ("SELECT 1;\n/* a /* b */\n;\n", 2, "/*"),
        ];
        for (text, line, what) in cases {
            let e = err(text);
            assert_eq!(e.line, line, "{text:?}: {e}");
            assert!(e.message.contains(what), "{text:?}: {e}");
            assert!(e.message.contains("unterminated"), "{text:?}: {e}");
        }
        assert_eq!(
            err("SELECT 1;\nCREATE FUNCTION f() AS $body$ x $$;").message,
            "unterminated dollar-quoted string $body$ starting here"
        );
    }

    #[test]
    fn final_statement_without_semicolon() {
        assert_eq!(
            split("SELECT 1;\n\nSELECT 2 -- no semicolon\n\n").unwrap(),
            vec![stmt("SELECT 1;", 1), stmt("SELECT 2", 3)]
        );
        assert_eq!(
            split("SELECT 1;  \n -- trailing comment\n/* and another */\n").unwrap(),
            vec![stmt("SELECT 1;", 1)]
        );
    }

    #[test]
    fn nothing_to_send() {
        assert_eq!(split("").unwrap(), vec![]);
        assert_eq!(split("  \n\r\n\t").unwrap(), vec![]);
        assert_eq!(
            split("-- only a comment\n/* and\n a block */\n-- end").unwrap(),
            vec![]
        );
        assert_eq!(split(";;\n;").unwrap(), vec![]);
        assert_eq!(
            split("SELECT 1;;  ;SELECT 2;").unwrap(),
            vec![stmt("SELECT 1;", 1), stmt("SELECT 2;", 1)]
        );
    }

    #[test]
    fn non_ascii() {
        assert_eq!(
            sqls("SELECT 'é;ü' AS ñ; SELECT 2 AS \"日本;\";"),
            vec!["SELECT 'é;ü' AS ñ;", "SELECT 2 AS \"日本;\";"]
        );
    }

    #[test]
    fn positions_to_lines() {
        let pieces = split("\n\nSELECT 'é',\n  1,\n  2 +;").unwrap();
        let p = &pieces[0];
        assert_eq!(p.line(), 3);
        assert_eq!(line_of_position(p, 0), 3);
        assert_eq!(line_of_position(p, 1), 3);
        // "SELECT 'é',\n" is 12 characters (but 13 bytes).
        assert_eq!(line_of_position(p, 12), 3);
        assert_eq!(line_of_position(p, 13), 4);
        assert_eq!(line_of_position(p, 17), 4);
        assert_eq!(line_of_position(p, 18), 5);
        assert_eq!(line_of_position(p, 1000), 5);

        let copy = Piece::Copy {
            sql: "COPY t\nFROM stdin;".into(),
            line: 7,
            data: "a\nb\nc\n".into(),
            data_line: 9,
        };
        assert_eq!(line_of_position(&copy, 3), 7);
        assert_eq!(line_of_position(&copy, 9), 8);
        assert_eq!(line_of_position(&copy, 100), 8);
    }

    #[test]
    fn no_transaction_marker() {
        assert!(is_no_transaction(
            "-- pum:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"
        ));
        assert!(is_no_transaction("-- pum:no-transaction"));
        assert!(is_no_transaction("-- pum:no-transaction  \t\r\nSELECT 1;"));
        assert!(is_no_transaction("-- pum:no-transaction\r\n"));
        assert!(!is_no_transaction("-- PUM:NO-TRANSACTION\n"));
        assert!(!is_no_transaction(" -- pum:no-transaction\n"));
        assert!(!is_no_transaction("--pum:no-transaction\n"));
        assert!(!is_no_transaction("-- pum:no-transaction please\n"));
        assert!(!is_no_transaction("\n-- pum:no-transaction\n"));
        assert!(!is_no_transaction("SELECT 1;\n-- pum:no-transaction\n"));
        assert!(!is_no_transaction(""));
    }

    fn vars() -> Variables {
        let mut v = Variables::new();
        v.set("SRID", Value::Int(2056));
        v.set("name", Value::Text("it's".into()));
        v.set("ratio", Value::Float(2.5));
        v
    }

    #[test]
    fn substitute_values() {
        assert_eq!(
            substitute(
                "SELECT ST_SetSRID(g, %(SRID)s), %(name)s, %(ratio)s, '%(SRID)s';\n-- %(SRID)s",
                &vars()
            )
            .unwrap(),
            "SELECT ST_SetSRID(g, 2056), 'it''s', 2.5, '2056';\n-- 2056"
        );
        assert_eq!(
            substitute("SELECT 'a%%b' LIKE '%%x', 10 %% 3;", &vars()).unwrap(),
            "SELECT 'a%b' LIKE '%x', 10 % 3;"
        );
        assert_eq!(
            substitute("SELECT 'é'; -- no percent", &vars()).unwrap(),
            "SELECT 'é'; -- no percent"
        );
        assert_eq!(substitute("é%%ü%(SRID)sß", &vars()).unwrap(), "é%ü2056ß");
        assert_eq!(substitute("", &vars()).unwrap(), "");
    }

    #[test]
    fn substitute_errors() {
        let e = substitute("SELECT 1;\n\nSELECT %(missing)s;", &vars()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("`missing` is not defined"), "{e}");

        let e = substitute("SELECT 1;\nSELECT %s;", &vars()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("found `%s`"), "{e}");

        let e = substitute("SELECT '50%';", &vars()).unwrap_err();
        assert!(e.message.contains("found `%'`"), "{e}");

        let e = substitute("SELECT 1;\n\n\nSELECT 5 %", &vars()).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("end of the file"), "{e}");

        let e = substitute("SELECT %(SRID)d;", &vars()).unwrap_err();
        assert!(e.message.contains("`%(SRID)d`"), "{e}");
        assert!(e.message.contains("%(name)s"), "{e}");

        let e = substitute("SELECT %(SRID)", &vars()).unwrap_err();
        assert!(e.message.contains("`%(SRID)`"), "{e}");

        let e = substitute("SELECT 1;\nSELECT %(SRID;", &vars()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unterminated"), "{e}");

        let e = substitute("SELECT %(SRID %% )s;", &vars()).unwrap_err();
        assert!(e.message.contains("unterminated"), "{e}");
    }

    #[test]
    fn placeholders_are_found_like_substitute_finds_them() {
        let text = "SELECT %(SRID)s, '100%%', %%(not)s;\n-- %(NAME)s\nSELECT %(SRID)s, %(x)d, %(, %()s, '50%';\n";
        let found: Vec<(String, usize)> = placeholders(text)
            .into_iter()
            .map(|p| (p.name, p.line))
            .collect();
        assert_eq!(
            found,
            [("SRID".into(), 1), ("NAME".into(), 2), ("SRID".into(), 3)]
        );
        assert!(placeholders("SELECT '50%';").is_empty());
    }

    #[test]
    fn error_display() {
        let e = ScriptError::new(4, "boom");
        assert_eq!(e.to_string(), "line 4: boom");
    }

    #[test]
    fn pg_dump_excerpt() {
        let text = [
            "--",
            "-- PostgreSQL database dump",
            "--",
            "",
            "\\restrict Xy7abc",
            "",
            "-- Dumped from database version 17.6",
            "",
            "SET statement_timeout = 0;",
            "SET lock_timeout = 0;",
            "SET client_encoding = 'UTF8';",
            "SET standard_conforming_strings = on;",
            "SELECT pg_catalog.set_config('search_path', '', false);",
            "SET check_function_bodies = false;",
            "",
            "SET default_tablespace = '';",
            "",
            "--",
            "-- Name: t; Type: TABLE; Schema: public; Owner: -",
            "--",
            "",
            "CREATE TABLE public.t (",
            "    id integer NOT NULL,",
            "    name text DEFAULT 'a;b'::text",
            ");",
            "",
            "",
            "--",
            "-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: -",
            "--",
            "",
            "COPY public.t (id, name) FROM stdin;",
            "1\tfirst; row",
            "2\t\\N",
            "3\ttab\\there",
            "\\.",
            "",
            "",
            "--",
            "-- Name: t t_pkey; Type: CONSTRAINT; Schema: public; Owner: -",
            "--",
            "",
            "ALTER TABLE ONLY public.t",
            "    ADD CONSTRAINT t_pkey PRIMARY KEY (id);",
            "",
            "",
            "--",
            "-- PostgreSQL database dump complete",
            "--",
            "",
            "\\unrestrict Xy7abc",
        ]
        .join("\n");
        let text = format!("{text}\n");
        let pieces = split(&text).unwrap();
        let lines: Vec<(usize, &str)> = pieces.iter().map(|p| (p.line(), p.sql())).collect();
        assert_eq!(
            lines,
            vec![
                (9, "SET statement_timeout = 0;"),
                (10, "SET lock_timeout = 0;"),
                (11, "SET client_encoding = 'UTF8';"),
                (12, "SET standard_conforming_strings = on;"),
                (13, "SELECT pg_catalog.set_config('search_path', '', false);"),
                (14, "SET check_function_bodies = false;"),
                (16, "SET default_tablespace = '';"),
                (
                    22,
                    "CREATE TABLE public.t (\n    id integer NOT NULL,\n    name text DEFAULT 'a;b'::text\n);"
                ),
                (32, "COPY public.t (id, name) FROM stdin;"),
                (
                    43,
                    "ALTER TABLE ONLY public.t\n    ADD CONSTRAINT t_pkey PRIMARY KEY (id);"
                ),
            ]
        );
        match &pieces[8] {
            Piece::Copy {
                data, data_line, ..
            } => {
                assert_eq!(data, "1\tfirst; row\n2\t\\N\n3\ttab\\there\n");
                assert_eq!(*data_line, 33);
            }
            p => panic!("not a copy: {p:?}"),
        }
    }

    #[test]
    fn large_input_is_fast_enough() {
        // Linear behaviour: a few MB of mixed content splits quickly even in
        // debug builds.
        let mut text = String::new();
        for i in 0..20_000 {
            text.push_str(&format!(
                "INSERT INTO t VALUES ({i}, 'a;b', $$x;y$$, E'\\'') ; -- c\n"
            ));
        }
        text.push_str("COPY t FROM stdin;\n");
        for i in 0..50_000 {
            text.push_str(&format!("{i}\tsome text\t\\N\n"));
        }
        text.push_str("\\.\n");
        let pieces = split(&text).unwrap();
        assert_eq!(pieces.len(), 20_001);
        assert_eq!(pieces[20_000].line(), 20_001);
    }
}
