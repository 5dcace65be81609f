//! Variables given with `-v TYPE NAME VALUE`, as pum 0.x types them.

use crate::error::{Error, Result};
use crate::pg::quote_literal;
use crate::script::{placeholders, Placeholder};

/// One variable value, typed the way pum 0.x types `-v`: `int`, `float`, or
/// anything else meaning a string.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// `-v int NAME VALUE`
    Int(i64),
    /// `-v float NAME VALUE`
    Float(f64),
    /// Any other type word.
    Text(String),
}

impl Value {
    /// Parses a value the way pum 0.x does (`int(...)`, `float(...)` or the
    /// string itself).
    pub fn parse(kind: &str, name: &str, raw: &str) -> Result<Value> {
        match kind {
            "int" => raw
                .trim()
                .replace('_', "")
                .parse::<i64>()
                .map(Value::Int)
                .map_err(|_| {
                    Error::invalid(format!(
                    "variable {name}: '{raw}' is not an integer (given as `-v int {name} {raw}`)"
                ))
                }),
            "float" => parse_float(raw).map(Value::Float).ok_or_else(|| {
                Error::invalid(format!(
                    "variable {name}: '{raw}' is not a number (given as `-v float {name} {raw}`)"
                ))
            }),
            _ => Ok(Value::Text(raw.to_string())),
        }
    }

    /// The value as an SQL literal, as psycopg2 renders it for pyformat.
    pub fn sql_literal(&self) -> String {
        match self {
            Value::Int(i) => i.to_string(),
            Value::Float(f) if f.is_nan() => "'NaN'::float".to_string(),
            Value::Float(f) if f.is_infinite() => {
                if *f > 0.0 {
                    "'Infinity'::float".to_string()
                } else {
                    "'-Infinity'::float".to_string()
                }
            }
            Value::Float(f) => python_float_repr(*f),
            Value::Text(s) => quote_literal(s),
        }
    }
}

fn parse_float(raw: &str) -> Option<f64> {
    let t = raw.trim().replace('_', "");
    match t.to_ascii_lowercase().as_str() {
        "nan" | "+nan" | "-nan" => return Some(f64::NAN),
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    t.parse::<f64>().ok()
}

/// Python's `repr(float)`: shortest round-trip digits, always with a dot or
/// an exponent.
fn python_float_repr(f: f64) -> String {
    let s = format!("{f:?}");
    // Rust's Debug gives "2056.0", "1e-7", "1e16"; Python gives "2056.0",
    // "1e-07", "1e+16". Both are valid SQL numeric literals, so only the
    // exponent style differs; normalise it to Python's for identical text.
    if let Some((mant, exp)) = s.split_once('e') {
        let (sign, digits) = match exp.strip_prefix('-') {
            Some(d) => ('-', d),
            None => ('+', exp),
        };
        format!("{mant}e{sign}{digits:0>2}")
    } else {
        s
    }
}

/// The variables of one run, in the order given.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Variables {
    entries: Vec<(String, Value)>,
}

impl Variables {
    /// No variables.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable (a later value for the same name wins, as in pum 0.x).
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        let name = name.into();
        if let Some(e) = self.entries.iter_mut().find(|(n, _)| *n == name) {
            e.1 = value;
        } else {
            self.entries.push((name, value));
        }
    }

    /// Parses and sets `-v TYPE NAME VALUE`.
    pub fn set_from_cli(&mut self, kind: &str, name: &str, raw: &str) -> Result<()> {
        if name.is_empty() {
            return Err(Error::invalid(
                "a variable needs a name: -v TYPE NAME VALUE",
            ));
        }
        let v = Value::parse(kind, name, raw)?;
        self.set(name, v);
        Ok(())
    }

    /// Looks a variable up.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.entries.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// True when no variable was given (pum 0.x then runs files unchanged).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// All variables, in the order given.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.entries.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// The `%(name)s` placeholders of `text` naming a variable that is not
    /// given, each name once (at its first use), in order.
    pub fn undefined(&self, text: &str) -> Vec<Placeholder> {
        let mut out: Vec<Placeholder> = Vec::new();
        for p in placeholders(text) {
            if self.get(&p.name).is_none() && !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_like_pum() {
        assert_eq!(
            Value::parse("int", "SRID", "2056").unwrap(),
            Value::Int(2056)
        );
        assert_eq!(
            Value::parse("float", "x", "2.5").unwrap(),
            Value::Float(2.5)
        );
        assert_eq!(
            Value::parse("string", "s", "abc").unwrap(),
            Value::Text("abc".into())
        );
        assert_eq!(
            Value::parse("str", "s", "1").unwrap(),
            Value::Text("1".into())
        );
        assert!(Value::parse("int", "SRID", "20x").is_err());
        assert!(Value::parse("float", "x", "abc").is_err());
    }

    #[test]
    fn literals_like_psycopg2() {
        assert_eq!(Value::Int(2056).sql_literal(), "2056");
        assert_eq!(Value::Float(2.5).sql_literal(), "2.5");
        assert_eq!(Value::Float(2056.0).sql_literal(), "2056.0");
        assert_eq!(Value::Float(1e-7).sql_literal(), "1e-07");
        assert_eq!(Value::Float(1e16).sql_literal(), "1e+16");
        assert_eq!(Value::Text("it's".into()).sql_literal(), "'it''s'");
        assert_eq!(Value::Float(f64::NAN).sql_literal(), "'NaN'::float");
    }

    #[test]
    fn undefined_lists_each_missing_name_once() {
        let mut v = Variables::new();
        v.set_from_cli("int", "SRID", "2056").unwrap();
        let text = "SELECT %(SRID)s, %(A)s;\nSELECT %(B)s, %(A)s, %%(C)s;\n";
        let missing: Vec<(String, usize)> = v
            .undefined(text)
            .into_iter()
            .map(|p| (p.name, p.line))
            .collect();
        assert_eq!(missing, [("A".into(), 1), ("B".into(), 2)]);
        assert_eq!(Variables::new().undefined(text).len(), 3);
    }

    #[test]
    fn later_value_wins() {
        let mut v = Variables::new();
        v.set_from_cli("int", "SRID", "2056").unwrap();
        v.set_from_cli("int", "SRID", "21781").unwrap();
        assert_eq!(v.get("SRID"), Some(&Value::Int(21781)));
        assert_eq!(v.iter().count(), 1);
    }
}
