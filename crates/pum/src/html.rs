//! `pum check --format html`: the comparison as one self-contained HTML
//! page (inline style, no script, nothing fetched), for people to read in a
//! browser or attach to a ticket: a summary per kind, then every
//! difference, with both sides' values next to each other and the changed
//! lines of long definitions marked.

use std::fmt::Write as _;
use std::io::{self, Write};

use pum_core::catalog::{Object, Snapshot};
use pum_core::compare::{Comparison, Difference, Status, SECRETS};

/// Escapes text for HTML element content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --a: #b42318; --a-bg: #fef3f2; --b: #067647; --b-bg: #ecfdf3; --d: #b54708; --d-bg: #fffaeb;
        --line: #e4e7ec; --muted: #667085; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828;
       margin: 0; background: #f9fafb; }
header { background: #101828; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 6px; font-size: 20px; font-weight: 600; }
header .sides { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; font-size: 13px; color: #d0d5dd; }
header .sides b { color: #fff; }
main { padding: 20px 28px 40px; max-width: 1400px; }
.verdict { font-size: 16px; font-weight: 600; margin: 0 0 16px; }
.verdict.equal { color: var(--b); } .verdict.differs { color: var(--d); }
table { border-collapse: collapse; }
table.summary { background: #fff; border: 1px solid var(--line); margin-bottom: 26px; }
table.summary th, table.summary td { padding: 5px 14px; border-bottom: 1px solid var(--line); text-align: right; }
table.summary th:first-child, table.summary td:first-child { text-align: left; }
table.summary thead th { background: #f2f4f7; font-weight: 600; }
table.summary a { color: inherit; }
td.n-a { color: var(--a); } td.n-b { color: var(--b); } td.n-d { color: var(--d); }
td.zero { color: #d0d5dd; }
h2 { font-size: 17px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h2 small { font-weight: 400; color: var(--muted); font-size: 13px; }
.diff { background: #fff; border: 1px solid var(--line); border-left: 4px solid var(--d); border-radius: 4px;
        margin: 0 0 12px; padding: 10px 14px; }
.diff.only_in_a { border-left-color: var(--a); } .diff.only_in_b { border-left-color: var(--b); }
.diff h3 { margin: 0 0 6px; font-size: 14px; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.badge { display: inline-block; font: 600 11px system-ui, sans-serif; padding: 1px 7px; border-radius: 10px;
         margin-left: 8px; vertical-align: 1px; }
.badge.only_in_a { background: var(--a-bg); color: var(--a); }
.badge.only_in_b { background: var(--b-bg); color: var(--b); }
.badge.different { background: var(--d-bg); color: var(--d); }
table.attrs { width: 100%; table-layout: fixed; }
table.attrs th, table.attrs td { vertical-align: top; padding: 3px 8px; border-top: 1px solid var(--line); text-align: left; }
table.attrs th { width: 180px; font-weight: 600; color: var(--muted); }
table.attrs thead th { color: #344054; border-top: none; }
.v { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px;
     white-space: pre-wrap; word-break: break-word; }
.unset { color: var(--muted); font-style: italic; }
td.side-a { background: var(--a-bg); } td.side-b { background: var(--b-bg); }
table.sbs { width: 100%; table-layout: fixed; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
            font-size: 12.5px; margin: 2px 0 4px; border: 1px solid var(--line); }
table.sbs td { padding: 0 6px; white-space: pre-wrap; word-break: break-word; vertical-align: top; }
table.sbs td.ln { width: 38px; color: #98a2b3; text-align: right; user-select: none; border-right: 1px solid var(--line); }
table.sbs td.del { background: #fee4e2; } table.sbs td.ins { background: #d1fadf; }
table.sbs td.gap { background: #f2f4f7; }
table.sbs td.del::before { content: "− "; color: var(--a); } table.sbs td.ins::before { content: "+ "; color: var(--b); }
table.sbs thead td { font: 600 12px system-ui, sans-serif; color: #344054; background: #f2f4f7; padding: 3px 6px; }
p.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 0; }
footer { color: var(--muted); font-size: 12px; padding: 0 28px 24px; }
"#;

/// True when a value reads better as lines side by side than inline.
fn long(v: Option<&str>) -> bool {
    v.is_some_and(|v| v.contains('\n') || v.chars().count() > 70)
}

fn value_cell(class: &str, v: Option<&str>) -> String {
    match v {
        Some(v) => format!(
            "<td class=\"{class}\"><span class=\"v\">{}</span></td>",
            esc(v)
        ),
        None => format!("<td class=\"{class}\"><span class=\"unset\">not set</span></td>"),
    }
}

/// Both values line by line, unchanged lines side by side, changed ones
/// marked (removed in A's column, added in B's).
fn side_by_side(out: &mut String, a: &str, b: &str) {
    use similar::{ChangeTag, TextDiff};
    let diff = TextDiff::from_lines(a, b);
    out.push_str("<table class=\"sbs\"><thead><tr><td class=\"ln\"></td><td>A</td><td class=\"ln\"></td><td>B</td></tr></thead><tbody>");
    let mut row = |la: Option<(usize, &str)>, lb: Option<(usize, &str)>, changed: bool| {
        let cell = |side: Option<(usize, &str)>, class: &str| match side {
            Some((n, text)) => format!(
                "<td class=\"ln\">{}</td><td class=\"{}\">{}</td>",
                n + 1,
                if changed { class } else { "" },
                esc(text.trim_end_matches('\n'))
            ),
            None => "<td class=\"ln\"></td><td class=\"gap\"></td>".to_string(),
        };
        let _ = write!(out, "<tr>{}{}</tr>", cell(la, "del"), cell(lb, "ins"));
    };
    for group in diff.grouped_ops(3) {
        for op in group {
            // Removed and added lines of one change face each other.
            let mut dels = Vec::new();
            let mut inss = Vec::new();
            for change in diff.iter_changes(&op) {
                match change.tag() {
                    ChangeTag::Equal => {
                        let (x, y) = (change.old_index().unwrap(), change.new_index().unwrap());
                        row(Some((x, change.value())), Some((y, change.value())), false);
                    }
                    ChangeTag::Delete => dels.push((change.old_index().unwrap(), change.value())),
                    ChangeTag::Insert => inss.push((change.new_index().unwrap(), change.value())),
                }
            }
            for i in 0..dels.len().max(inss.len()) {
                row(dels.get(i).copied(), inss.get(i).copied(), true);
            }
        }
    }
    out.push_str("</tbody></table>");
}

fn find<'s>(snap: &'s Snapshot, d: &Difference) -> Option<&'s Object> {
    let key = (d.kind, d.schema.as_str(), d.name.as_str());
    snap.objects
        .binary_search_by(|o| (o.kind, o.schema.as_str(), o.name.as_str()).cmp(&key))
        .ok()
        .map(|i| &snap.objects[i])
}

fn difference(out: &mut String, d: &Difference, snaps: (&Snapshot, &Snapshot)) {
    let (status, label) = match d.status {
        Status::OnlyInA => ("only_in_a", "only in A"),
        Status::OnlyInB => ("only_in_b", "only in B"),
        Status::Different => ("different", "different"),
    };
    let _ = write!(
        out,
        "<div class=\"diff {status}\"><h3>{}<span class=\"badge {status}\">{label}</span></h3>",
        esc(&d.display_name())
    );
    if d.status == Status::Different {
        out.push_str(
            "<table class=\"attrs\"><thead><tr><th></th><th>A</th><th>B</th></tr></thead><tbody>",
        );
        for attr in &d.attributes {
            let (a, b) = (attr.a.as_deref(), attr.b.as_deref());
            if long(a) || long(b) {
                let _ = write!(out, "<tr><th>{}</th><td colspan=\"2\">", esc(&attr.name));
                side_by_side(out, a.unwrap_or(""), b.unwrap_or(""));
                if a.is_none() || b.is_none() {
                    let side = if a.is_none() { "A" } else { "B" };
                    let _ = write!(out, "<p class=\"note\">not set in {side}</p>");
                }
                out.push_str("</td></tr>");
            } else {
                let _ = write!(
                    out,
                    "<tr><th>{}</th>{}{}</tr>",
                    esc(&attr.name),
                    value_cell("side-a", a),
                    value_cell("side-b", b)
                );
            }
        }
        out.push_str("</tbody></table>");
    } else {
        let snap = if d.status == Status::OnlyInA {
            snaps.0
        } else {
            snaps.1
        };
        if let Some(o) = find(snap, d) {
            let attrs: Vec<(&str, &str)> = o.attrs.iter().filter(|(k, _)| *k != SECRETS).collect();
            if !attrs.is_empty() {
                out.push_str("<table class=\"attrs\"><tbody>");
                for (k, v) in attrs {
                    let _ = write!(
                        out,
                        "<tr><th>{}</th><td><span class=\"v\">{}</span></td></tr>",
                        esc(k),
                        esc(v)
                    );
                }
                out.push_str("</tbody></table>");
            }
        }
    }
    out.push_str("</div>");
}

/// Writes the report. `snaps` are the two sides compared, to show what an
/// object on one side only is.
pub fn report(
    w: &mut dyn Write,
    result: &Comparison,
    labels: &(String, String),
    snaps: (&Snapshot, &Snapshot),
) -> io::Result<()> {
    let mut out = String::new();
    let n = result.differences.len();
    let title = if n == 0 {
        "No difference".to_string()
    } else {
        format!("{n} difference(s)")
    };
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>pum check: {}</title><style>{STYLE}</style></head><body>\
         <header><h1>pum check</h1><div class=\"sides\"><b>A</b><span>{}</span><b>B</b><span>{}</span></div></header><main>",
        esc(&title),
        esc(&labels.0),
        esc(&labels.1)
    );
    if n == 0 {
        out.push_str("<p class=\"verdict equal\">No difference.</p>");
    } else {
        let _ = write!(out, "<p class=\"verdict differs\">{}.</p>", esc(&title));
        out.push_str(
            "<table class=\"summary\"><thead><tr><th>kind</th><th>only in A</th><th>only in B</th>\
             <th>different</th><th>total</th></tr></thead><tbody>",
        );
        let mut kinds = Vec::new();
        for d in &result.differences {
            if kinds.last() != Some(&d.kind) {
                kinds.push(d.kind);
            }
        }
        let num = |class: &str, v: usize| {
            if v == 0 {
                "<td class=\"zero\">0</td>".to_string()
            } else {
                format!("<td class=\"{class}\">{v}</td>")
            }
        };
        for k in &kinds {
            let c = result.summary[k.name()];
            let _ = write!(
                out,
                "<tr><td><a href=\"#{0}\">{0}</a></td>{1}{2}{3}<td>{4}</td></tr>",
                k.name(),
                num("n-a", c.only_in_a),
                num("n-b", c.only_in_b),
                num("n-d", c.different),
                c.only_in_a + c.only_in_b + c.different
            );
        }
        out.push_str("</tbody></table>");
        let mut current = None;
        for d in &result.differences {
            if current != Some(d.kind) {
                current = Some(d.kind);
                let c = result.summary[d.kind.name()];
                let _ = write!(
                    out,
                    "<h2 id=\"{0}\">{0} <small>{1}</small></h2>",
                    d.kind.name(),
                    c.only_in_a + c.only_in_b + c.different
                );
            }
            difference(&mut out, d, snaps);
        }
    }
    let _ = writeln!(
        out,
        "</main><footer>pum {} · values as the servers render them; secret values are never shown.</footer></body></html>",
        env!("CARGO_PKG_VERSION")
    );
    w.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn side_by_side_marks_changed_lines_only() {
        let mut out = String::new();
        side_by_side(&mut out, "begin\n  x := 1;\nend", "begin\n  x := 2;\nend");
        assert_eq!(out.matches("class=\"del\"").count(), 1, "{out}");
        assert_eq!(out.matches("class=\"ins\"").count(), 1, "{out}");
        assert!(out.contains("x := 1;") && out.contains("x := 2;"), "{out}");
        assert!(out.contains(">begin<") && out.contains(">end<"), "{out}");
    }
}
