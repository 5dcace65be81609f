//! Reading `.pum.yaml` into a tree of nodes, with scalars typed the way
//! PyYAML's `safe_load` (YAML 1.1, what pum 1.x reads the file with) types
//! them, and the place of each scalar in the file for messages.
//!
//! The parser is serde_norway's (YAML 1.2), so the plain scalars YAML 1.1
//! reads differently are typed here again: `yes`, `no`, `on`, `off` are
//! booleans, `010` is octal, `1_000` and `1:30` are numbers, `2025-01-01`
//! is a date. Two forms cannot be seen again once serde_norway read them
//! as numbers and stay numbers here, where PyYAML reads text: `0o17` and
//! exponents without a dot or a sign (`1e3`). Quote them to mean text.

use std::fmt;

use serde::de::{self, DeserializeSeed, Visitor};

/// A node of the file.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `~`, `null`, or nothing.
    Null,
    /// `true`, `yes`, `on`...
    Bool(bool),
    /// A whole number.
    Int(i128),
    /// A number with a fraction (or `.inf`, `.nan`).
    Float(f64),
    /// Text.
    Str(String),
    /// A YAML 1.1 timestamp (`2025-01-01`): PyYAML gives a date object.
    Date(String),
    /// A sequence.
    Seq(Vec<Spanned>),
    /// A mapping, in file order.
    Map(Vec<(Spanned, Spanned)>),
}

/// A node and where it starts in the file (known for scalars written on
/// one line without escapes: keys and ordinary values).
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned {
    /// The node.
    pub node: Node,
    /// Byte offset in the file.
    pub at: Option<usize>,
}

impl Node {
    /// How messages name what was found.
    pub fn describe(&self) -> String {
        match self {
            Node::Null => "nothing (null)".into(),
            Node::Bool(b) => format!("the boolean {b}"),
            Node::Int(i) => format!("the number {i}"),
            Node::Float(f) => format!("the number {f}"),
            Node::Str(s) => format!("the text '{s}'"),
            Node::Date(d) => format!("the date {d}"),
            Node::Seq(_) => "a list".into(),
            Node::Map(_) => "a mapping".into(),
        }
    }
}

/// The text of a node parsed, or where and why it is not YAML.
pub fn parse(text: &str) -> Result<Spanned, (Option<(usize, usize)>, String)> {
    if parse_cost(text) > MAX_PARSE_COST {
        return Err((
            None,
            "too many nested `[` or `{` for the file's size; a .pum.yaml needs few".into(),
        ));
    }
    let de = serde_norway::Deserializer::from_str(text);
    NodeSeed { text }.deserialize(de).map_err(|e| {
        let location = e.location().map(|l| (l.line(), l.column()));
        let mut message = e.to_string();
        if let Some(l) = e.location() {
            let suffix = format!(" at line {} column {}", l.line(), l.column());
            message = message.replacen(&suffix, "", 1);
        }
        (location, format!("not valid YAML: {message}"))
    })
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The YAML parser spends time proportional to the `[`/`{` nesting depth
/// on every token: a file whose cost exceeds this is refused unread.
const MAX_PARSE_COST: u64 = 20_000_000;

/// Each byte weighted by the number of `[` and `{` before it.
fn parse_cost(text: &str) -> u64 {
    let mut open = 0u64;
    let mut cost = 0u64;
    for b in text.bytes() {
        if matches!(b, b'[' | b'{') {
            open += 1;
        }
        cost += open;
    }
    cost
}

#[derive(Clone, Copy)]
struct NodeSeed<'t> {
    text: &'t str,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Spanned;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Spanned, D::Error> {
        d.deserialize_any(self)
    }
}

fn bare(node: Node) -> Spanned {
    Spanned { node, at: None }
}

impl NodeSeed<'_> {
    /// Where a borrowed scalar sits in the file, and whether it was quoted.
    fn locate(&self, s: &str) -> (Option<usize>, bool) {
        let base = self.text.as_ptr() as usize;
        let p = s.as_ptr() as usize;
        if p < base || p + s.len() > base + self.text.len() {
            return (None, false);
        }
        let at = p - base;
        let quoted = at > 0 && matches!(self.text.as_bytes()[at - 1], b'\'' | b'"');
        (Some(at), quoted)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Spanned;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Spanned, E> {
        Ok(bare(Node::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Spanned, E> {
        Ok(bare(Node::Int(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Spanned, E> {
        Ok(bare(Node::Int(v.into())))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Spanned, E> {
        Ok(bare(Node::Int(v)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Spanned, E> {
        i128::try_from(v)
            .map(|v| bare(Node::Int(v)))
            .map_err(|_| E::custom("a number too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Spanned, E> {
        Ok(bare(Node::Float(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Spanned, E> {
        Ok(bare(Node::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Spanned, E> {
        Ok(bare(Node::Null))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Spanned, E> {
        let (at, quoted) = self.locate(v);
        let node = if quoted {
            Node::Str(v.to_string())
        } else {
            plain_yaml11(v)
        };
        Ok(Spanned { node, at })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Spanned, E> {
        // Escapes, line folding or a block scalar: text in YAML 1.1 too.
        Ok(bare(Node::Str(v.to_string())))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Spanned, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(bare(Node::Seq(items)))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Spanned, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key_seed(self)? {
            let value = map.next_value_seed(self)?;
            entries.push((key, value));
        }
        Ok(bare(Node::Map(entries)))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Spanned, A::Error> {
        Err(de::Error::custom(
            "YAML tags (`!name`) are not used in a .pum.yaml",
        ))
    }
}

/// A plain scalar serde_norway left as text, typed as YAML 1.1 types it.
fn plain_yaml11(v: &str) -> Node {
    if matches!(v, "yes" | "Yes" | "YES" | "on" | "On" | "ON") {
        return Node::Bool(true);
    }
    if matches!(v, "no" | "No" | "NO" | "off" | "Off" | "OFF") {
        return Node::Bool(false);
    }
    if let Some(i) = int_yaml11(v) {
        return Node::Int(i);
    }
    if let Some(f) = float_yaml11(v) {
        return Node::Float(f);
    }
    if is_timestamp(v) {
        return Node::Date(v.to_string());
    }
    Node::Str(v.to_string())
}

fn split_sign(v: &str) -> (i128, &str) {
    match v.as_bytes().first() {
        Some(b'-') => (-1, &v[1..]),
        Some(b'+') => (1, &v[1..]),
        _ => (1, v),
    }
}

/// PyYAML's int: `0b..`, `0..` (octal), decimal, `0x..`, sexagesimal
/// (`1:30`), `_` allowed anywhere after the first digit.
fn int_yaml11(v: &str) -> Option<i128> {
    let (sign, body) = split_sign(v);
    let digits_in = |s: &str, radix: u32| -> Option<i128> {
        let clean: String = s.chars().filter(|&c| c != '_').collect();
        if clean.is_empty() || !s.chars().all(|c| c == '_' || c.is_digit(radix)) {
            return None;
        }
        i128::from_str_radix(&clean, radix).ok()
    };
    let n = if let Some(b) = body.strip_prefix("0b") {
        digits_in(b, 2)?
    } else if let Some(x) = body.strip_prefix("0x") {
        digits_in(x, 16)?
    } else if body == "0" {
        0
    } else if let Some(o) = body.strip_prefix('0') {
        // `0_` is 0, as PyYAML drops every `_`.
        if o.chars().all(|c| c == '_') {
            0
        } else {
            digits_in(o, 8)?
        }
    } else if body.contains(':') {
        let mut parts = body.split(':');
        let first = parts.next()?;
        if !first.starts_with(|c: char| ('1'..='9').contains(&c)) {
            return None;
        }
        let mut n = digits_in(first, 10)?;
        for p in parts {
            if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let d: i128 = p.parse().ok()?;
            if p.len() == 2 && p.as_bytes()[0] > b'5' {
                return None;
            }
            n = n.checked_mul(60)?.checked_add(d)?;
        }
        n
    } else {
        if !body.starts_with(|c: char| ('1'..='9').contains(&c)) {
            return None;
        }
        digits_in(body, 10)?
    };
    Some(sign * n)
}

/// PyYAML's float forms serde_norway leaves as text: with `_`, or
/// sexagesimal (`1:30.5`).
fn float_yaml11(v: &str) -> Option<f64> {
    let (sign, body) = split_sign(v);
    let sign = sign as f64;
    if body.contains(':') {
        let (whole, frac) = body.split_once('.')?;
        let int = int_yaml11(whole)? as f64;
        if !frac.chars().all(|c| c == '_' || c.is_ascii_digit()) {
            return None;
        }
        let frac: String = frac.chars().filter(|&c| c != '_').collect();
        let f: f64 = format!("0.{frac}0").parse().ok()?;
        return Some(sign * (int + f));
    }
    if !body.contains('_') {
        return None;
    }
    // [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)?  or  \.[0-9_]+([eE][-+][0-9]+)?
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.')?;
    let digits = |s: &str| s.chars().all(|c| c == '_' || c.is_ascii_digit());
    let int_ok = if int.is_empty() {
        sign > 0.0 && !v.starts_with('+') && frac.starts_with(|c: char| c.is_ascii_digit())
    } else {
        int.starts_with(|c: char| c.is_ascii_digit()) && digits(int)
    };
    if !int_ok || !digits(frac) {
        return None;
    }
    if let Some(e) = exp {
        let (_, d) = e.split_at(e.len().min(1));
        if !e.starts_with(['+', '-']) || d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let clean: String = body.chars().filter(|&c| c != '_').collect();
    let clean = if clean.starts_with('.') {
        format!("0{clean}")
    } else {
        clean
    };
    clean.parse::<f64>().ok().map(|f| sign * f)
}

/// PyYAML's timestamp: `YYYY-MM-DD`, optionally followed by a time.
fn is_timestamp(v: &str) -> bool {
    let b = v.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 8 || !digits(0..4) || b[4] != b'-' {
        return false;
    }
    // -M- or -MM-, then D or DD.
    let mut i = 5;
    let month = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&month) {
        return false;
    }
    i += month;
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let day = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&day) {
        return false;
    }
    i += day;
    // A date alone must be exactly YYYY-MM-DD; with a time, PyYAML is
    // lenient about the rest: a T, t or spaces then H:MM:SS.
    if i == b.len() {
        return month == 2 && day == 2;
    }
    matches!(b[i], b'T' | b't' | b' ' | b'\t') && v[i + 1..].trim_start().split(':').count() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(yaml: &str) -> Node {
        let text = format!("k: {yaml}\n");
        match parse(&text).unwrap().node {
            Node::Map(m) => m.into_iter().next().unwrap().1.node,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn scalars_are_typed_as_pyyaml_types_them() {
        // Each pair checked against PyYAML 6 `safe_load`.
        assert_eq!(scalar("yes"), Node::Bool(true));
        assert_eq!(scalar("Off"), Node::Bool(false));
        assert_eq!(scalar("'yes'"), Node::Str("yes".into()));
        assert_eq!(scalar("\"on\""), Node::Str("on".into()));
        assert_eq!(scalar("true"), Node::Bool(true));
        assert_eq!(scalar("2056"), Node::Int(2056));
        assert_eq!(scalar("'2056'"), Node::Str("2056".into()));
        assert_eq!(scalar("010"), Node::Int(8));
        assert_eq!(scalar("-010"), Node::Int(-8));
        assert_eq!(scalar("09"), Node::Str("09".into()));
        assert_eq!(scalar("1_000"), Node::Int(1000));
        assert_eq!(scalar("1:30"), Node::Int(90));
        assert_eq!(scalar("0x1F"), Node::Int(31));
        assert_eq!(scalar("0b101"), Node::Int(5));
        assert_eq!(scalar("2.5"), Node::Float(2.5));
        assert_eq!(scalar("1_000.5"), Node::Float(1000.5));
        assert_eq!(scalar("1:30.5"), Node::Float(90.5));
        assert_eq!(scalar("0_"), Node::Int(0));
        assert_eq!(scalar("1__0"), Node::Int(10));
        assert_eq!(scalar("0x_F"), Node::Int(15));
        assert_eq!(scalar("1:60"), Node::Str("1:60".into()));
        assert_eq!(scalar("._5"), Node::Str("._5".into()));
        assert_eq!(scalar("+.5_"), Node::Str("+.5_".into()));
        assert_eq!(scalar("2025-1-1"), Node::Str("2025-1-1".into()));
        assert_eq!(scalar("~"), Node::Null);
        assert_eq!(scalar(""), Node::Null);
        assert_eq!(scalar("2025-01-01"), Node::Date("2025-01-01".into()));
        assert_eq!(scalar("'2025-01-01'"), Node::Str("2025-01-01".into()));
        assert_eq!(scalar("en"), Node::Str("en".into()));
        assert_eq!(scalar("1.2.0"), Node::Str("1.2.0".into()));
        assert_eq!(scalar("'it''s'"), Node::Str("it's".into()));
        assert_eq!(scalar("\"a\\tb\""), Node::Str("a\tb".into()));
    }

    #[test]
    fn keys_know_their_line_and_column() {
        let text = "pum:\n  module: tww\n  # c\n  migration_table_schema: s\n";
        let Node::Map(top) = parse(text).unwrap().node else {
            panic!()
        };
        let Node::Map(pum) = &top[0].1.node else {
            panic!()
        };
        assert_eq!(line_col(text, pum[1].0.at.unwrap()), (4, 3));
        assert_eq!(line_col(text, pum[0].1.at.unwrap()), (2, 11));
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let (at, message) = parse("pum:\n  module: [a\n").unwrap_err();
        assert!(at.is_some(), "{message}");
        assert!(message.starts_with("not valid YAML"), "{message}");
    }
}
