//! `importGraph` from CSV text: the shape of `nodes.csv` (`id,type,name`) and `edges.csv`
//! (`src,dst,type`) that `policygraph generate`, gen.py and `export --format csv` write, plus
//! two citation columns, `source` and `quote`, and for edges the optional `valid_from` and
//! `valid_to`. The API keeps the seed loader's rule that every
//! entity is cited, so a row without a quote is refused; uncited bulk data (benchmark graphs)
//! goes through `policygraph import`, where `check` then flags it.

use std::collections::HashMap;

use super::edit::{CiteDraft, EdgeKey, Edit, NodeDraft, Problem, ProblemCode};
use crate::import;

fn bad(field: String, message: String) -> Problem {
    Problem {
        code: ProblemCode::BadUserInput,
        field,
        message,
    }
}

/// The rows of `text` as maps from header to value, with their 1-based line numbers.
fn rows(
    text: &str,
    field: &str,
    needed: &[&str],
    problems: &mut Vec<Problem>,
) -> Vec<(u64, HashMap<String, String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_owned()).collect(),
        Err(e) => {
            problems.push(bad(format!("{field}:1"), format!("unreadable header: {e}")));
            return Vec::new();
        }
    };
    for name in needed {
        if !headers.iter().any(|h| h == name) {
            problems.push(bad(
                format!("{field}:1"),
                format!("missing column `{name}` (have: {})", headers.join(", ")),
            ));
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                let row = headers
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .collect();
                out.push((line, row));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                problems.push(bad(
                    format!("{field}:{line}"),
                    format!("unreadable row: {e}"),
                ));
            }
        }
    }
    out
}

/// An optional column's value; absent and empty are both "not given".
fn optional(row: &HashMap<String, String>, column: &str) -> Option<String> {
    row.get(column).filter(|v| !v.trim().is_empty()).cloned()
}

fn cite(row: &HashMap<String, String>) -> Vec<CiteDraft> {
    match (row.get("source"), row.get("quote")) {
        (Some(source), Some(quote)) if !source.is_empty() && !quote.is_empty() => {
            vec![CiteDraft {
                document: Some(source.clone()),
                quote: quote.clone(),
            }]
        }
        _ => Vec::new(),
    }
}

/// The edits two CSV texts describe, or every problem found reading them. Validation of the
/// edits themselves (quotes found, ends exist, ...) happens when they are applied.
pub fn edits(nodes: &str, edges: &str) -> Result<Vec<(String, Edit)>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut ids: HashMap<String, String> = HashMap::new();
    for (line, row) in rows(
        nodes,
        "input.nodesCsv",
        &["id", "type", "name"],
        &mut problems,
    ) {
        let field = format!("input.nodesCsv:{line}");
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        let Some(kind) = import::node_kind(&get("type")) else {
            problems.push(bad(field, format!("unknown node type `{}`", get("type"))));
            continue;
        };
        let id = match import::node_id(kind, &get("id")) {
            Ok(id) => id.to_string(),
            Err(message) => {
                problems.push(bad(field, message));
                continue;
            }
        };
        ids.insert(get("id"), id.clone());
        let draft = NodeDraft {
            id,
            title: get("name"),
            citations: cite(&row),
            ..NodeDraft::default()
        };
        out.push((field, Edit::CreateNode(draft)));
    }
    for (line, row) in rows(
        edges,
        "input.edgesCsv",
        &["src", "dst", "type"],
        &mut problems,
    ) {
        let field = format!("input.edgesCsv:{line}");
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        let Some(kind) = import::edge_kind(&get("type")) else {
            problems.push(bad(field, format!("unknown edge type `{}`", get("type"))));
            continue;
        };
        // An end is a row of nodes.csv by its CSV id, or a stored node by its full id.
        let end = |csv_id: String| ids.get(&csv_id).cloned().unwrap_or(csv_id);
        let key = EdgeKey {
            from: end(get("src")),
            kind,
            to: end(get("dst")),
        };
        out.push((
            field,
            Edit::CreateEdge {
                key,
                note: None,
                valid_from: optional(&row, "valid_from"),
                valid_to: optional(&row, "valid_to"),
                citations: cite(&row),
            },
        ));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
