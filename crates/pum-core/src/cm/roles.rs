//! The roles a schema's SQL refers to, so that a restore into a new
//! cluster can list them (roles belong to the cluster, not to a dump) and
//! create them on request, before anything is restored.
//!
//! A small tokenizer, not a parser: it reads the statements pg_dump
//! writes (`GRANT ... TO r`, `REVOKE ... FROM r`, `ALTER ... OWNER TO r`,
//! `ALTER DEFAULT PRIVILEGES FOR ROLE r`, `CREATE POLICY ... TO r`,
//! `CREATE SCHEMA ... AUTHORIZATION r`) and the same forms in changes;
//! strings, comments and dollar-quoted bodies are skipped, so a role
//! named only inside a function body is not seen.

use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An unquoted word, lowercased (as the server folds it).
    Word(String),
    /// A double-quoted identifier.
    Quoted(String),
    /// Any other character.
    Punct(char),
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || !c.is_ascii()
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || !c.is_ascii()
}

/// Splits SQL into tokens, dropping whitespace, comments and literals.
fn tokens(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let n = chars.len();
    while i < n {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '\'' {
            i = skip_string(&chars, i + 1, false);
        } else if c == '"' {
            let mut name = String::new();
            i += 1;
            while i < n {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        name.push('"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                name.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Quoted(name));
        } else if c == '$' {
            // `$tag$ ... $tag$` (tag possibly empty), else a `$1` parameter.
            let mut j = i + 1;
            while j < n && (chars[j].is_alphanumeric() || chars[j] == '_') {
                j += 1;
            }
            let tag_ok = j < n
                && chars[j] == '$'
                && !matches!(chars.get(i + 1), Some(c) if c.is_ascii_digit());
            if tag_ok {
                let tag: String = chars[i..=j].iter().collect();
                let rest: String = chars[j + 1..].iter().collect();
                match rest.find(&tag) {
                    Some(end) => i = j + 1 + rest[..end].chars().count() + tag.chars().count(),
                    None => i = n,
                }
            } else {
                out.push(Tok::Punct('$'));
                i = j.max(i + 1);
            }
        } else if is_word_start(c) {
            let start = i;
            while i < n && is_word_char(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if (word == "e" || word == "E") && chars.get(i) == Some(&'\'') {
                i = skip_string(&chars, i + 1, true);
            } else if chars.get(i) == Some(&'\'') && word.len() == 1 {
                // B'...', X'...', N'...'
                i = skip_string(&chars, i + 1, false);
            } else {
                out.push(Tok::Word(word.to_lowercase()));
            }
        } else if c.is_ascii_digit() {
            while i < n && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Skips a string literal whose opening quote is just before `i`.
fn skip_string(chars: &[char], mut i: usize, backslashes: bool) -> usize {
    while i < chars.len() {
        match chars[i] {
            '\\' if backslashes => i += 2,
            '\'' if chars.get(i + 1) == Some(&'\'') => i += 2,
            '\'' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn word(t: Option<&Tok>, w: &str) -> bool {
    matches!(t, Some(Tok::Word(x)) if x == w)
}

/// Reads a comma-separated list of role names from `i`, skipping a
/// leading `GROUP` and the pseudo-roles (`PUBLIC`, `CURRENT_USER`...).
fn role_list(toks: &[Tok], mut i: usize, into: &mut Vec<String>) {
    loop {
        if word(toks.get(i), "group") || word(toks.get(i), "role") {
            i += 1;
        }
        match toks.get(i) {
            Some(Tok::Quoted(name)) => into.push(name.clone()),
            Some(Tok::Word(w)) => {
                if !matches!(
                    w.as_str(),
                    "public"
                        | "current_user"
                        | "session_user"
                        | "current_role"
                        | "default"
                        | "none"
                ) {
                    into.push(w.clone());
                }
            }
            _ => return,
        }
        if toks.get(i + 1) == Some(&Tok::Punct(',')) {
            i += 2;
        } else {
            return;
        }
    }
}

/// The roles one statement needs, and the roles it creates.
fn statement(toks: &[Tok], needs: &mut Vec<String>, creates: &mut Vec<String>) {
    let first = |w: &str| word(toks.first(), w);
    if first("create")
        && matches!(toks.get(1), Some(Tok::Word(w)) if w == "role" || w == "user" || w == "group")
        && !word(toks.get(2), "mapping")
    {
        role_list(toks, 2, creates);
        return;
    }
    let depth0: Vec<(usize, &Tok)> = {
        let mut depth = 0i32;
        let mut v = Vec::new();
        for (i, t) in toks.iter().enumerate() {
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => depth -= 1,
                _ if depth == 0 => v.push((i, t)),
                _ => {}
            }
        }
        v
    };
    let is = |k: usize, w: &str| matches!(depth0.get(k), Some((_, Tok::Word(x))) if x == w);
    let at = |k: usize| depth0.get(k).map(|(i, _)| *i).unwrap_or(toks.len());
    // The GRANT or REVOKE of the statement, possibly after
    // `ALTER DEFAULT PRIVILEGES ... `.
    let grant = (0..depth0.len()).find(|&k| is(k, "grant") || is(k, "revoke"));
    for k in 0..depth0.len() {
        if is(k, "owner") && is(k + 1, "to")
            || is(k, "authorization") && !(k > 0 && is(k - 1, "session"))
        {
            let skip = if is(k, "owner") { 2 } else { 1 };
            role_list(toks, at(k + skip), needs);
        } else if is(k, "for") && (is(k + 1, "role") || is(k + 1, "user")) && !is(k + 2, "mapping")
        {
            role_list(toks, at(k + 2), needs);
        } else if is(k, "for")
            && k > 0
            && (is(k - 1, "mapping") || is(k - 1, "exists") && (0..k).any(|j| is(j, "mapping")))
        {
            // CREATE / ALTER / DROP USER MAPPING [IF NOT EXISTS] FOR r
            role_list(toks, at(k + 1), needs);
        } else if is(k, "granted") && is(k + 1, "by") {
            role_list(toks, at(k + 2), needs);
        } else if (first("set") && is(k, "role") && k == 1)
            || (first("set") && is(k, "authorization") && k == 2)
            || (first("alter") && k == 1 && (is(k, "role") || is(k, "user") || is(k, "group")))
        {
            role_list(toks, at(k + 1), needs);
        }
    }
    if let Some(g) = grant {
        let keyword = if is(g, "grant") { "to" } else { "from" };
        if let Some(k) = (g + 1..depth0.len()).find(|&k| is(k, keyword)) {
            role_list(toks, at(k + 1), needs);
            // `GRANT r1 TO r2` (no ON): r1 is a role too.
            if !(g + 1..k).any(|j| is(j, "on")) {
                let mut s = g + 1;
                if is(s, "admin") || is(s, "inherit") || is(s, "set") {
                    s += 3; // `REVOKE ADMIN OPTION FOR r FROM x`
                }
                role_list(toks, at(s), needs);
            }
        }
    } else if first("create") && word(toks.get(1), "policy") {
        if let Some(k) = (0..depth0.len()).find(|&k| is(k, "to")) {
            role_list(toks, at(k + 1), needs);
        }
    }
}

/// The roles the SQL text refers to, each once, in order of first use,
/// without those it creates itself (`CREATE ROLE`).
pub fn roles_in(sql: &str) -> Vec<String> {
    let toks = tokens(sql);
    let mut needs = Vec::new();
    let mut creates = Vec::new();
    for stmt in toks.split(|t| *t == Tok::Punct(';')) {
        if !stmt.is_empty() {
            statement(stmt, &mut needs, &mut creates);
        }
    }
    let created: BTreeSet<String> = creates.into_iter().collect();
    let mut seen = BTreeSet::new();
    needs
        .into_iter()
        .filter(|r| !created.contains(r) && seen.insert(r.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_pg_dump_writes() {
        let sql = r#"
CREATE SCHEMA schema_one;
ALTER SCHEMA schema_one OWNER TO "Owner One";
CREATE TABLE schema_one.t (a int);
ALTER TABLE schema_one.t OWNER TO owner_two;
GRANT USAGE ON SCHEMA schema_one TO reader;
GRANT SELECT,INSERT ON TABLE schema_one.t TO writer WITH GRANT OPTION;
GRANT SELECT(a) ON TABLE schema_one.t TO reader, "Mixed Case";
REVOKE ALL ON TABLE schema_one.t FROM PUBLIC;
GRANT SELECT ON TABLE schema_one.t TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE admin IN SCHEMA schema_one GRANT SELECT ON TABLES TO auditor;
CREATE POLICY p ON schema_one.t AS PERMISSIVE FOR SELECT TO tenant, CURRENT_USER USING ((a > 0));
CREATE SCHEMA other AUTHORIZATION boss;
"#;
        assert_eq!(
            roles_in(sql),
            [
                "Owner One",
                "owner_two",
                "reader",
                "writer",
                "Mixed Case",
                "admin",
                "auditor",
                "tenant",
                "boss"
            ]
        );
    }

    #[test]
    fn strings_comments_and_bodies_are_not_read() {
        let sql = "-- GRANT x TO commented;\n/* GRANT y TO /* nested */ block */\n\
                   COMMENT ON TABLE t IS 'GRANT z TO quoted';\n\
                   CREATE FUNCTION f() RETURNS void AS $body$ GRANT a TO in_body; $body$ LANGUAGE sql;\n\
                   SELECT E'it\\'s GRANT b TO escaped';\n\
                   GRANT SELECT ON \"to\" TO real;";
        assert_eq!(roles_in(sql), ["real"]);
    }

    #[test]
    fn membership_grants_and_roles_created_by_the_sql() {
        assert_eq!(roles_in("GRANT parent TO child;"), ["child", "parent"]);
        assert_eq!(
            roles_in("REVOKE ADMIN OPTION FOR parent FROM child;"),
            ["child", "parent"]
        );
        assert_eq!(
            roles_in("CREATE ROLE made NOLOGIN; GRANT SELECT ON t TO made, other;"),
            ["other"]
        );
        assert_eq!(roles_in("SET ROLE worker; RESET ROLE;"), ["worker"]);
        assert_eq!(
            roles_in("ALTER SEQUENCE s OWNED BY t.id; ALTER ROLE r SET work_mem = '1MB';"),
            ["r"]
        );
        assert_eq!(roles_in("CREATE USER MAPPING FOR u SERVER s;"), ["u"]);
        assert!(roles_in("SET SESSION AUTHORIZATION DEFAULT; SET ROLE NONE;").is_empty());
        assert!(roles_in("SELECT $1, $$x$$;").is_empty());
    }
}
