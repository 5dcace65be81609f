//! Parameter values of a pum 1.x module: the defaults of `.pum.yaml`
//! overridden by `-p NAME VALUE` (read by the parameter's type), stored as
//! JSON in `pum_migrations.parameters`, compared with Python's `==`, and
//! written into SQL as psycopg 3's `sql.Literal` writes them.

use serde_json::Value;

use super::config::{Config, ParamType, ParameterDef};
use crate::error::{Error, Result};

/// The parameters of one run, in `.pum.yaml` order: every parameter, with
/// its default unless given on the command line.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Parameters {
    /// Name and value, in definition order.
    pub values: Vec<(String, Value)>,
    /// The names given on the command line.
    pub given: Vec<String>,
}

impl Parameters {
    /// The defaults of `config`, overridden by `given` (`-p NAME VALUE`,
    /// in command-line order; a later one wins). An unknown name, a value
    /// its type cannot read and a value outside `values` are refused, all
    /// at once.
    pub fn resolve(config: &Config, given: &[(String, String)]) -> Result<Parameters> {
        let mut values: Vec<(String, Value)> = config
            .parameters
            .iter()
            .map(|p| (p.name.clone(), p.default.clone()))
            .collect();
        let mut names = Vec::new();
        let mut problems = Vec::new();
        for (name, raw) in given {
            let Some(def) = config.parameter(name) else {
                let known: Vec<&str> = config.parameters.iter().map(|p| p.name.as_str()).collect();
                problems.push(if known.is_empty() {
                    format!("-p {name}: the module defines no parameter")
                } else {
                    format!(
                        "-p {name}: the module has no such parameter; its parameters are: {}",
                        known.join(", ")
                    )
                });
                continue;
            };
            match cast(def, raw) {
                Ok(v) => {
                    if let Some(slot) = values.iter_mut().find(|(n, _)| n == name) {
                        slot.1 = v;
                    }
                    if !names.contains(name) {
                        names.push(name.clone());
                    }
                }
                Err(message) => problems.push(message),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Refused { problems });
        }
        Ok(Parameters {
            values,
            given: names,
        })
    }

    /// The value of `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The JSON object pum 1.x stores (`json.dumps(parameters)`).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.values
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
        )
    }
}

/// Reads `-p NAME VALUE` by the parameter's type, as pum 1.x's command
/// line does (`int()`, `float()`, text as given), then checks `values`.
/// Booleans: `true`, `1`, `yes` and `false`, `0`, `no` (any case); pum 1.x
/// takes anything else for false, here it is refused.
pub fn cast(def: &ParameterDef, raw: &str) -> std::result::Result<Value, String> {
    let name = &def.name;
    let v = match def.kind {
        ParamType::Text | ParamType::Path => Value::String(raw.to_string()),
        ParamType::Integer => match py_int(raw) {
            Some(i) => Value::from(i),
            None => {
                return Err(format!(
                "-p {name} {raw}: {name} is an integer parameter; give a whole number such as 2056"
            ))
            }
        },
        ParamType::Decimal => match py_float(raw).and_then(serde_json::Number::from_f64) {
            Some(n) => Value::Number(n),
            None => {
                return Err(format!(
                "-p {name} {raw}: {name} is a decimal parameter; give a finite number such as 0.5"
            ))
            }
        },
        ParamType::Boolean => match raw.to_lowercase().as_str() {
            "true" | "1" | "yes" => Value::Bool(true),
            "false" | "0" | "no" => Value::Bool(false),
            _ => {
                return Err(format!(
                    "-p {name} {raw}: {name} is a boolean parameter; give true or false (pum 1.x \
                     would silently take '{raw}' for false)"
                ))
            }
        },
    };
    if let Some(allowed) = def.values.as_ref().filter(|a| !a.is_empty()) {
        if !allowed.iter().any(|a| py_eq(a, &v)) {
            let list: Vec<String> = allowed.iter().map(display).collect();
            return Err(format!(
                "-p {name} {raw}: not an allowed value; {name} takes one of: {}",
                list.join(", ")
            ));
        }
    }
    Ok(v)
}

/// A value as messages show it (text without JSON quotes).
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// Python's `int(text)` for ASCII input: surrounding whitespace, a sign,
/// digits with single `_` between them.
fn py_int(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let clean = underscored_digits(body)?;
    let n: i64 = clean.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// Digits with single underscores between them, without the underscores.
fn underscored_digits(s: &str) -> Option<String> {
    if s.is_empty() || s.starts_with('_') || s.ends_with('_') || s.contains("__") {
        return None;
    }
    if !s.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    Some(s.replace('_', ""))
}

/// Python's `float(text)` for finite ASCII numbers.
fn py_float(raw: &str) -> Option<f64> {
    let t = raw.trim();
    if t.is_empty() || t.contains("__") || t.starts_with('_') || t.ends_with('_') {
        return None;
    }
    // `_` only between digits.
    let b = t.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'_' && !(b[i - 1].is_ascii_digit() && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            return None;
        }
        if !(c.is_ascii_digit() || matches!(c, b'_' | b'.' | b'e' | b'E' | b'+' | b'-')) {
            return None;
        }
    }
    let f: f64 = t.replace('_', "").parse().ok()?;
    f.is_finite().then_some(f)
}

/// Python's `==` between two JSON-shaped values: numbers compare by value
/// (`2 == 2.0`), and `True == 1`, `False == 0`.
pub fn py_eq(a: &Value, b: &Value) -> bool {
    fn num(v: &Value) -> Option<f64> {
        match v {
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Bool(_) | Value::Number(_), Value::Bool(_) | Value::Number(_)) => num(a) == num(b),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| py_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The SQL text psycopg 3's `sql.Literal(value).as_string(conn)` gives for
/// a parameter value: `NULL`, `true`, `5`, ` -5` (a leading space before a
/// minus), `2.5` (Python's `repr`), `'text'` or ` E'a\\b'`. Lists and
/// mappings are refused: pum 1.x would write them as arrays with casts
/// that depend on their items.
pub fn sql_literal(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::Null => Ok("NULL".into()),
        Value::Bool(b) => Ok(if *b { "true" } else { "false" }.into()),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(if i < 0 {
                    format!(" {i}")
                } else {
                    i.to_string()
                })
            } else if let Some(u) = n.as_u64() {
                Ok(u.to_string())
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                let r = py_repr(f);
                Ok(if f < 0.0 { format!(" {r}") } else { r })
            }
        }
        Value::String(s) => Ok(crate::pg::psycopg_literal(s)),
        Value::Array(_) | Value::Object(_) => Err(format!(
            "the value {v} is a list or a mapping, which this pum does not write into SQL"
        )),
    }
}

/// Python's `repr(float)` for a finite number: the shortest digits that
/// read back to it, in fixed notation from 1e-4 to below 1e16 (always
/// with a fractional part), else in exponent notation (`1e+16`, `1e-05`).
pub fn py_repr(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde-7`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let sign = if f < 0.0 { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let s = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{s}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let es = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{es}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn literals_are_written_as_psycopg_writes_them() {
        // Each pair printed by psycopg 3.3 `sql.Literal(v).as_string(conn)`.
        for (v, want) in [
            (json!(null), "NULL"),
            (json!(true), "true"),
            (json!(false), "false"),
            (json!(0), "0"),
            (json!(5), "5"),
            (json!(-5), " -5"),
            (json!(1099511627776_i64), "1099511627776"),
            (json!(2.5), "2.5"),
            (json!(-2.5), " -2.5"),
            (json!(3.0), "3.0"),
            (json!(1e16), "1e+16"),
            (json!(1e-5), "1e-05"),
            (json!(0.1), "0.1"),
            (json!(1.5e300), "1.5e+300"),
            (json!("abc"), "'abc'"),
            (json!("it's"), "'it''s'"),
            (json!("a\\b"), " E'a\\\\b'"),
            (json!(""), "''"),
            (json!("é"), "'é'"),
        ] {
            assert_eq!(sql_literal(&v).unwrap(), want, "{v}");
        }
        assert!(sql_literal(&json!([1, 2])).is_err());
    }

    #[test]
    fn python_float_repr() {
        for (f, want) in [
            (1234567890123456.0, "1234567890123456.0"),
            (0.0001, "0.0001"),
            (123.456, "123.456"),
            (1.0, "1.0"),
            (100.0, "100.0"),
            (1.234e-7, "1.234e-07"),
            (-0.0, "-0.0"),
            (2.5e20, "2.5e+20"),
        ] {
            assert_eq!(py_repr(f), want, "{f}");
        }
    }

    fn def(kind: ParamType, values: Option<Vec<Value>>) -> ParameterDef {
        ParameterDef {
            name: "p".into(),
            kind,
            default: Value::Null,
            description: None,
            values,
            app_only: false,
        }
    }

    #[test]
    fn command_line_values_are_read_by_type() {
        assert_eq!(
            cast(&def(ParamType::Integer, None), " 2_056 ").unwrap(),
            json!(2056)
        );
        assert_eq!(
            cast(&def(ParamType::Integer, None), "-5").unwrap(),
            json!(-5)
        );
        assert!(cast(&def(ParamType::Integer, None), "20x").is_err());
        assert!(cast(&def(ParamType::Integer, None), "1__0").is_err());
        assert_eq!(
            cast(&def(ParamType::Decimal, None), "2").unwrap(),
            json!(2.0)
        );
        assert_eq!(
            cast(&def(ParamType::Decimal, None), "1e3").unwrap(),
            json!(1000.0)
        );
        assert!(cast(&def(ParamType::Decimal, None), "inf").is_err());
        assert!(cast(&def(ParamType::Decimal, None), "nan").is_err());
        assert_eq!(
            cast(&def(ParamType::Boolean, None), "YES").unwrap(),
            json!(true)
        );
        assert_eq!(
            cast(&def(ParamType::Boolean, None), "0").unwrap(),
            json!(false)
        );
        let e = cast(&def(ParamType::Boolean, None), "maybe").unwrap_err();
        assert!(e.contains("give true or false"), "{e}");
        assert_eq!(
            cast(&def(ParamType::Text, None), " a ").unwrap(),
            json!(" a ")
        );
        let e = cast(
            &def(ParamType::Text, Some(vec![json!("en"), json!("de")])),
            "fr",
        )
        .unwrap_err();
        assert!(e.contains("takes one of: en, de"), "{e}");
        // `2.0 in [2]` in Python.
        assert!(cast(&def(ParamType::Decimal, Some(vec![json!(2)])), "2").is_ok());
    }

    #[test]
    fn python_equality() {
        assert!(py_eq(&json!(2), &json!(2.0)));
        assert!(py_eq(&json!(true), &json!(1)));
        assert!(!py_eq(&json!(true), &json!("true")));
        assert!(!py_eq(&json!(2056), &json!("2056")));
        assert!(py_eq(&json!({"a": [1, 2.0]}), &json!({"a": [1.0, 2]})));
    }
}
