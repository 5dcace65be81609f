//! Comparing two schema snapshots: a pure function with deterministic
//! output. Objects are matched by kind, schema and name; attributes are
//! compared as the server rendered them.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::catalog::{Kind, Object, Snapshot};

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    /// Kinds left out (`-i`).
    pub ignore: BTreeSet<Kind>,
    /// Schemas left out (`-N`).
    pub exclude_schemas: Vec<String>,
    /// Columns left out when their name matches one of these SQL LIKE
    /// patterns (`-P`, as pum 0.x).
    pub exclude_field_patterns: Vec<String>,
    /// Report a different column order (off: column order is not a difference).
    pub column_order: bool,
    /// Compare function bodies and definitions with whitespace folded.
    pub ignore_whitespace: bool,
    /// Compare privileges (off by default: environments often differ).
    pub privileges: bool,
    /// Compare the owners of objects (off by default: a copy restored by
    /// another role, or a reference built by one, has other owners).
    pub owners: bool,
    /// Compare extension versions (off by default).
    pub extension_versions: bool,
}

/// The attribute holding digests of secret values, never shown as such.
pub const SECRETS: &str = "secrets";

/// Where an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Only in the first database.
    OnlyInA,
    /// Only in the second database.
    OnlyInB,
    /// In both, with different attributes.
    Different,
}

/// One attribute that differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AttrDiff {
    /// Attribute name (`type`, `definition`, `body`...).
    pub name: String,
    /// Value in the first database (`None`: not set).
    pub a: Option<String>,
    /// Value in the second database.
    pub b: Option<String>,
}

/// One object that differs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// Its kind.
    pub kind: Kind,
    /// Its schema.
    pub schema: String,
    /// Its name inside the schema.
    pub name: String,
    /// Only in A, only in B, or different.
    pub status: Status,
    /// The differing attributes (for `different`).
    pub attributes: Vec<AttrDiff>,
}

impl Difference {
    /// `schema.name` (or the name alone for schema-less identities).
    pub fn display_name(&self) -> String {
        Object {
            kind: self.kind,
            schema: self.schema.clone(),
            name: self.name.clone(),
            attrs: crate::catalog::Attrs::new(),
        }
        .display_name()
    }
}

/// Counts for one kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Objects only in A.
    pub only_in_a: usize,
    /// Objects only in B.
    pub only_in_b: usize,
    /// Objects in both that differ.
    pub different: usize,
}

/// The result of a comparison.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Comparison {
    /// Every difference, grouped by kind (report order), then by name.
    pub differences: Vec<Difference>,
    /// Counts per kind that has differences.
    pub summary: BTreeMap<String, Counts>,
}

impl Comparison {
    /// True when nothing differs.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl CompareOptions {
    /// Everything pum knows: privileges, owners, extension versions and
    /// column order too (`--all`).
    pub fn all(mut self) -> CompareOptions {
        self.privileges = true;
        self.owners = true;
        self.extension_versions = true;
        self.column_order = true;
        self
    }

    /// The kinds this comparison looks at (what a live database must be
    /// asked for).
    pub fn kinds(&self) -> Vec<Kind> {
        Kind::ALL
            .into_iter()
            .filter(|k| !self.ignore.contains(k))
            .filter(|k| *k != Kind::Privileges || self.privileges)
            .collect()
    }
}

/// SQL LIKE with `%`, `_` and backslash escapes.
///
/// Greedy matching that backtracks only to the last `%`: time is bounded by
/// the product of the lengths, whatever the pattern (a recursive matcher
/// took exponential time on patterns with many `%`).
pub fn like(pattern: &str, text: &str) -> bool {
    #[derive(PartialEq)]
    enum Tok {
        Any,
        One,
        Lit(char),
    }
    let mut p = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        p.push(match c {
            '%' => Tok::Any,
            '_' => Tok::One,
            '\\' => Tok::Lit(chars.next().unwrap_or('\\')),
            c => Tok::Lit(c),
        });
    }
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last `%` seen and the text position it is tried at.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Tok::Any) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Tok::One) => {
                pi += 1;
                ti += 1;
            }
            Some(Tok::Lit(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|tok| *tok == Tok::Any)
}

/// Kinds whose objects belong to a relation named at the start of their name.
fn child_of_relation(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Columns | Kind::Constraints | Kind::Triggers | Kind::Rules | Kind::Policies
    )
}

fn relation_kind(kind: Kind) -> bool {
    matches!(kind, Kind::Tables | Kind::Views | Kind::MaterializedViews)
}

/// Decides which objects and attributes take part in a comparison.
struct Filter<'a> {
    opts: &'a CompareOptions,
    /// Relations of ignored kinds (their columns are ignored too, as pum 0.x).
    ignored_relations: HashSet<(&'a str, &'a str)>,
    /// Kinds read on both sides (a snapshot file may lack some).
    read: BTreeSet<Kind>,
}

impl<'a> Filter<'a> {
    fn new(opts: &'a CompareOptions, a: &'a Snapshot, b: &'a Snapshot) -> Filter<'a> {
        let ignored_relations = a
            .objects
            .iter()
            .chain(&b.objects)
            .filter(|o| relation_kind(o.kind) && opts.ignore.contains(&o.kind))
            .map(|o| (o.schema.as_str(), o.name.as_str()))
            .collect();
        let read = a
            .kinds
            .iter()
            .filter(|k| b.kinds.contains(k))
            .copied()
            .collect();
        Filter {
            opts,
            ignored_relations,
            read,
        }
    }

    fn keeps(&self, o: &Object) -> bool {
        let opts = self.opts;
        if opts.ignore.contains(&o.kind)
            || !self.read.contains(&o.kind)
            || (o.kind == Kind::Privileges && !opts.privileges)
            || opts.exclude_schemas.contains(&o.schema)
        {
            return false;
        }
        if o.kind == Kind::Columns {
            if !self.ignored_relations.is_empty() {
                let relation = o.name.split_once('.').map_or(o.name.as_str(), |(r, _)| r);
                if self
                    .ignored_relations
                    .contains(&(o.schema.as_str(), relation))
                {
                    return false;
                }
            }
            if !opts.exclude_field_patterns.is_empty() {
                let column = o.name.rsplit_once('.').map_or(o.name.as_str(), |(_, c)| c);
                if opts.exclude_field_patterns.iter().any(|p| like(p, column)) {
                    return false;
                }
            }
        }
        true
    }

    fn keeps_attr(&self, kind: Kind, name: &str) -> bool {
        !((name == "position" && kind == Kind::Columns && !self.opts.column_order)
            || (name == "version" && kind == Kind::Extensions && !self.opts.extension_versions)
            || (name == "owner" && !self.opts.owners))
    }

    fn same_value(&self, name: &str, a: &str, b: &str) -> bool {
        a == b
            || (self.opts.ignore_whitespace
                && matches!(name, "body" | "definition")
                && a.split_whitespace().eq(b.split_whitespace()))
    }

    /// The differing attributes of two objects with the same identity;
    /// allocates nothing when they are equal.
    fn diff_attrs(&self, x: &Object, y: &Object) -> Vec<AttrDiff> {
        let mut out = Vec::new();
        let mut ia = x.attrs.iter().peekable();
        let mut ib = y.attrs.iter().peekable();
        loop {
            let (name, va, vb) = match (ia.peek().copied(), ib.peek().copied()) {
                (None, None) => break,
                (Some((ka, va)), Some((kb, vb))) if ka == kb => {
                    ia.next();
                    ib.next();
                    (ka, Some(va), Some(vb))
                }
                (Some((ka, va)), Some((kb, _))) if ka < kb => {
                    ia.next();
                    (ka, Some(va), None)
                }
                (Some((ka, va)), None) => {
                    ia.next();
                    (ka, Some(va), None)
                }
                (_, Some((kb, vb))) => {
                    ib.next();
                    (kb, None, Some(vb))
                }
            };
            if !self.keeps_attr(x.kind, name) {
                continue;
            }
            let same = match (va, vb) {
                (Some(a), Some(b)) => self.same_value(name, a, b),
                _ => false,
            };
            if !same {
                let (a, b) = if name == SECRETS {
                    mask_secrets(va, vb)
                } else {
                    (va.map(str::to_string), vb.map(str::to_string))
                };
                out.push(AttrDiff {
                    name: name.to_string(),
                    a,
                    b,
                });
            }
        }
        out
    }
}

/// What is shown of two `secrets` values (`password <digest>, ...`): the
/// names of the secrets, each marked as differing or not, never a digest.
fn mask_secrets(a: Option<&str>, b: Option<&str>) -> (Option<String>, Option<String>) {
    let parse = |v: Option<&str>| -> BTreeMap<String, String> {
        v.unwrap_or("")
            .split(", ")
            .filter_map(|item| item.split_once(' '))
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect()
    };
    let (pa, pb) = (parse(a), parse(b));
    let show = |mine: &BTreeMap<String, String>, theirs: &BTreeMap<String, String>| {
        let items: Vec<String> = mine
            .iter()
            .map(|(k, d)| match theirs.get(k) {
                Some(t) if t == d => format!("{k}=(hidden)"),
                Some(_) => format!("{k}=(hidden, differs)"),
                None => format!("{k}=(hidden)"),
            })
            .collect();
        (!items.is_empty()).then(|| items.join(", "))
    };
    (show(&pa, &pb), show(&pb, &pa))
}

fn identity(o: &Object) -> (Kind, &str, &str) {
    (o.kind, o.schema.as_str(), o.name.as_str())
}

fn report_rank(kind: Kind) -> usize {
    Kind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// The relation an object belongs to, for objects listed under it.
fn parent_of(o: &Object) -> Option<String> {
    if child_of_relation(o.kind) {
        o.name.split_once('.').map(|(rel, _)| rel.to_string())
    } else if o.kind == Kind::Indexes {
        o.attrs.get("table").map(str::to_string)
    } else {
        None
    }
}

/// Compares two snapshots.
///
/// Both snapshots are sorted by identity, so this is one merge pass that
/// allocates only for the differences it finds.
///
/// When a table or view exists on one side only, its columns, constraints,
/// triggers, rules, policies and indexes are not listed separately: the
/// relation's line stands for them.
pub fn compare(a: &Snapshot, b: &Snapshot, opts: &CompareOptions) -> Comparison {
    let filter = Filter::new(opts, a, b);
    let mut ia = a.objects.iter().filter(|o| filter.keeps(o)).peekable();
    let mut ib = b.objects.iter().filter(|o| filter.keeps(o)).peekable();
    // Each difference with the relation it belongs to (for the pruning below).
    let mut found: Vec<(Difference, Option<String>)> = Vec::new();
    let missing = |o: &Object, status| {
        (
            Difference {
                kind: o.kind,
                schema: o.schema.clone(),
                name: o.name.clone(),
                status,
                attributes: Vec::new(),
            },
            parent_of(o),
        )
    };
    loop {
        match (ia.peek(), ib.peek()) {
            (None, None) => break,
            (Some(x), Some(y)) => match identity(x).cmp(&identity(y)) {
                Ordering::Less => {
                    found.push(missing(x, Status::OnlyInA));
                    ia.next();
                }
                Ordering::Greater => {
                    found.push(missing(y, Status::OnlyInB));
                    ib.next();
                }
                Ordering::Equal => {
                    let attributes = filter.diff_attrs(x, y);
                    if !attributes.is_empty() {
                        found.push((
                            Difference {
                                kind: x.kind,
                                schema: x.schema.clone(),
                                name: x.name.clone(),
                                status: Status::Different,
                                attributes,
                            },
                            None,
                        ));
                    }
                    ia.next();
                    ib.next();
                }
            },
            (Some(x), None) => {
                found.push(missing(x, Status::OnlyInA));
                ia.next();
            }
            (None, Some(y)) => {
                found.push(missing(y, Status::OnlyInB));
                ib.next();
            }
        }
    }

    // Children of a relation that exists on one side only are implied by it.
    let missing_relations: HashSet<(Status, &str, &str)> = found
        .iter()
        .map(|(d, _)| d)
        .filter(|d| relation_kind(d.kind) && d.status != Status::Different)
        .map(|d| (d.status, d.schema.as_str(), d.name.as_str()))
        .collect();
    let implied: Vec<bool> = found
        .iter()
        .map(|(d, parent)| {
            d.status != Status::Different
                && parent.as_deref().is_some_and(|rel| {
                    missing_relations.contains(&(d.status, d.schema.as_str(), rel))
                })
        })
        .collect();
    let mut differences: Vec<Difference> = found
        .into_iter()
        .zip(implied)
        .filter(|(_, implied)| !implied)
        .map(|((d, _), _)| d)
        .collect();

    differences.sort_by(|x, y| {
        (report_rank(x.kind), &x.schema, &x.name).cmp(&(report_rank(y.kind), &y.schema, &y.name))
    });
    let mut summary: BTreeMap<String, Counts> = BTreeMap::new();
    for d in &differences {
        let c = summary.entry(d.kind.name().to_string()).or_default();
        match d.status {
            Status::OnlyInA => c.only_in_a += 1,
            Status::OnlyInB => c.only_in_b += 1,
            Status::Different => c.different += 1,
        }
    }
    Comparison {
        differences,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: Kind, schema: &str, name: &str, attrs: &[(&str, &str)]) -> Object {
        Object {
            kind,
            schema: schema.into(),
            name: name.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn snap(mut objects: Vec<Object>) -> Snapshot {
        objects.sort();
        Snapshot {
            format: crate::catalog::FORMAT,
            server_version: "15".into(),
            kinds: Kind::ALL.to_vec(),
            objects,
        }
    }

    #[test]
    fn like_patterns() {
        assert!(like("geom%", "geometry"));
        assert!(like("%_id", "pipe_id"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "abbc"));
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
    }

    #[test]
    fn like_many_wildcards_is_not_exponential() {
        let pattern = "%a".repeat(40) + "%b";
        let text = "a".repeat(200);
        let t = std::time::Instant::now();
        assert!(!like(&pattern, &text));
        assert!(like(&pattern, &(text + "b")));
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn like_long_pattern_does_not_overflow_the_stack() {
        let long = "x".repeat(1_000_000);
        assert!(like(&long, &long));
        assert!(like(&"_".repeat(1_000_000), &long));
        assert!(!like(&long, "x"));
    }

    #[test]
    fn like_escapes_and_trailing_backslash() {
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(like("a\\", "a\\"));
        assert!(like("%", ""));
        assert!(!like("_", ""));
        assert!(like("%%_", "z"));
    }

    #[test]
    fn identical_snapshots_do_not_differ() {
        let s = snap(vec![obj(Kind::Tables, "a", "t", &[("relkind", "table")])]);
        assert!(compare(&s, &s.clone(), &CompareOptions::default()).is_empty());
    }

    #[test]
    fn attribute_difference_names_both_values() {
        let a = snap(vec![obj(Kind::Columns, "a", "t.c", &[("type", "integer")])]);
        let b = snap(vec![obj(Kind::Columns, "a", "t.c", &[("type", "bigint")])]);
        let c = compare(&a, &b, &CompareOptions::default());
        assert_eq!(c.differences.len(), 1);
        let d = &c.differences[0];
        assert_eq!(d.status, Status::Different);
        assert_eq!(
            d.attributes,
            [AttrDiff {
                name: "type".into(),
                a: Some("integer".into()),
                b: Some("bigint".into())
            }]
        );
        assert_eq!(c.summary["columns"].different, 1);
    }

    #[test]
    fn column_order_only_when_asked() {
        let a = snap(vec![obj(Kind::Columns, "a", "t.c", &[("position", "1")])]);
        let b = snap(vec![obj(Kind::Columns, "a", "t.c", &[("position", "2")])]);
        assert!(compare(&a, &b, &CompareOptions::default()).is_empty());
        let opts = CompareOptions {
            column_order: true,
            ..CompareOptions::default()
        };
        assert_eq!(compare(&a, &b, &opts).differences.len(), 1);
    }

    #[test]
    fn whitespace_folding_only_when_asked() {
        let a = snap(vec![obj(
            Kind::Functions,
            "a",
            "f()",
            &[("body", "begin\n  return 1;\nend")],
        )]);
        let b = snap(vec![obj(
            Kind::Functions,
            "a",
            "f()",
            &[("body", "begin\r\n\treturn 1;  end")],
        )]);
        assert_eq!(
            compare(&a, &b, &CompareOptions::default())
                .differences
                .len(),
            1
        );
        let opts = CompareOptions {
            ignore_whitespace: true,
            ..CompareOptions::default()
        };
        assert!(compare(&a, &b, &opts).is_empty());
    }

    #[test]
    fn ignore_exclude_and_patterns() {
        let a = snap(vec![
            obj(Kind::Columns, "a", "t.geom", &[("type", "x")]),
            obj(Kind::Views, "a", "v", &[("definition", "x")]),
            obj(Kind::Tables, "topology", "t", &[]),
        ]);
        let b = snap(vec![]);
        let opts = CompareOptions {
            ignore: [Kind::Views].into(),
            exclude_schemas: vec!["topology".into()],
            exclude_field_patterns: vec!["geo%".into()],
            ..CompareOptions::default()
        };
        assert!(compare(&a, &b, &opts).is_empty());
        assert_eq!(
            compare(&a, &b, &CompareOptions::default())
                .differences
                .len(),
            3
        );
    }

    #[test]
    fn children_of_a_missing_table_are_implied() {
        let a = snap(vec![
            obj(Kind::Tables, "s", "t", &[]),
            obj(Kind::Columns, "s", "t.id", &[]),
            obj(Kind::Constraints, "s", "t.t_pkey", &[]),
            obj(Kind::Indexes, "s", "t_pkey", &[("table", "t")]),
            obj(Kind::Indexes, "s", "other_idx", &[("table", "u")]),
        ]);
        let b = snap(vec![]);
        let c = compare(&a, &b, &CompareOptions::default());
        let names: Vec<String> = c.differences.iter().map(|d| d.display_name()).collect();
        assert_eq!(names, ["s.t", "s.other_idx"]);
    }

    #[test]
    fn ignoring_views_ignores_their_columns() {
        let a = snap(vec![
            obj(Kind::Views, "s", "v", &[("definition", "x")]),
            obj(Kind::Columns, "s", "v.a", &[("type", "integer")]),
            obj(Kind::Columns, "s", "t.a", &[("type", "integer")]),
        ]);
        let b = snap(vec![]);
        let opts = CompareOptions {
            ignore: [Kind::Views].into(),
            ..CompareOptions::default()
        };
        let names: Vec<String> = compare(&a, &b, &opts)
            .differences
            .iter()
            .map(|d| d.display_name())
            .collect();
        assert_eq!(names, ["s.t.a"]);
    }

    #[test]
    fn privileges_and_extension_versions_are_opt_in() {
        let a = snap(vec![
            obj(
                Kind::Privileges,
                "s",
                "table s.t",
                &[("grants", "reader: SELECT")],
            ),
            obj(Kind::Extensions, "public", "hstore", &[("version", "1.7")]),
        ]);
        let b = snap(vec![obj(
            Kind::Extensions,
            "public",
            "hstore",
            &[("version", "1.8")],
        )]);
        assert!(compare(&a, &b, &CompareOptions::default()).is_empty());
        let opts = CompareOptions {
            privileges: true,
            extension_versions: true,
            ..CompareOptions::default()
        };
        assert_eq!(compare(&a, &b, &opts).differences.len(), 2);
    }

    #[test]
    fn owners_only_when_asked_and_all_asks_for_everything() {
        let a = snap(vec![
            obj(
                Kind::Tables,
                "s",
                "t",
                &[("owner", "alice"), ("relkind", "table")],
            ),
            obj(Kind::Columns, "s", "t.c", &[("position", "1")]),
        ]);
        let b = snap(vec![
            obj(
                Kind::Tables,
                "s",
                "t",
                &[("owner", "bob"), ("relkind", "table")],
            ),
            obj(Kind::Columns, "s", "t.c", &[("position", "2")]),
        ]);
        assert!(compare(&a, &b, &CompareOptions::default()).is_empty());
        let owners = CompareOptions {
            owners: true,
            ..CompareOptions::default()
        };
        let c = compare(&a, &b, &owners);
        assert_eq!(c.differences.len(), 1);
        assert_eq!(c.differences[0].attributes[0].name, "owner");
        let all = CompareOptions::default().all();
        assert!(all.privileges && all.owners && all.extension_versions && all.column_order);
        assert_eq!(compare(&a, &b, &all).differences.len(), 2);
        assert!(all.kinds().contains(&Kind::Privileges));
    }

    #[test]
    fn secrets_are_shown_as_differing_never_as_values() {
        let a = snap(vec![obj(
            Kind::UserMappings,
            "",
            "bob server s",
            &[("secrets", "password 1111, sslpassword 2222")],
        )]);
        let b = snap(vec![obj(
            Kind::UserMappings,
            "",
            "bob server s",
            &[("secrets", "password 3333, sslpassword 2222")],
        )]);
        let c = compare(&a, &b, &CompareOptions::default());
        let attr = &c.differences[0].attributes[0];
        assert_eq!(attr.name, SECRETS);
        assert_eq!(
            attr.a.as_deref(),
            Some("password=(hidden, differs), sslpassword=(hidden)")
        );
        assert_eq!(attr.b, attr.a);
        let text = serde_json::to_string(&c).unwrap();
        for digest in ["1111", "2222", "3333"] {
            assert!(!text.contains(digest), "{text}");
        }
        assert_eq!(c.differences[0].display_name(), "bob server s");
    }

    #[test]
    fn kinds_one_side_did_not_read_are_not_compared() {
        let a = snap(vec![obj(Kind::Collations, "s", "c", &[])]);
        let mut b = snap(vec![]);
        assert_eq!(
            compare(&a, &b, &CompareOptions::default())
                .differences
                .len(),
            1
        );
        // A snapshot file of the first format: no collations read.
        b.kinds = Kind::FIRST.to_vec();
        assert!(compare(&a, &b, &CompareOptions::default()).is_empty());
    }

    #[test]
    fn output_is_in_report_order() {
        let a = snap(vec![
            obj(Kind::Triggers, "s", "t.tr", &[]),
            obj(Kind::Schemas, "s", "s", &[]),
            obj(Kind::Columns, "s", "x.b", &[]),
            obj(Kind::Columns, "s", "x.a", &[]),
        ]);
        let c = compare(&a, &snap(vec![]), &CompareOptions::default());
        let kinds: Vec<Kind> = c.differences.iter().map(|d| d.kind).collect();
        assert_eq!(
            kinds,
            [Kind::Schemas, Kind::Columns, Kind::Columns, Kind::Triggers]
        );
        assert_eq!(c.differences[1].name, "x.a");
    }
}
