//! `policygraph export`: the whole graph, or the neighbourhood of a node, in formats other tools
//! read — Graphviz (dot), Gephi and yEd (GraphML), spreadsheets (CSV), Markdown (Mermaid), JSON —
//! and the goals × programmes traceability matrix analysts ask for.

pub mod seeds;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde_json::json;

use crate::graph::budget::Budget;
use crate::graph::coverage;
use crate::graph::traverse::{self, Walk};

/// Exports answer to the user who runs them: no work budget.
fn no_limit() -> Budget {
    Budget::unlimited()
}
use crate::graph::{EdgeView, Graph, NodeIx, NodeView};
use crate::model::{NodeKind, PartialDate};

/// Export formats.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Graphviz: `dot -Tsvg`.
    Dot,
    /// GraphML for Gephi and yEd.
    Graphml,
    /// Nodes and edges with every citation, as one JSON document.
    Json,
    /// `nodes.csv` (`id,type,name`) and `edges.csv` (`src,dst,type,valid_from,valid_to`): the
    /// benchmark generator's shape plus each edge's validity (empty when open); written into the
    /// `--out` directory.
    Csv,
    /// A Mermaid flowchart, for Markdown.
    Mermaid,
    /// Traceability matrix as CSV: one row per goal, one column per programme; a cell names the
    /// chain of link kinds and the document quoted for the first link.
    Matrix,
    /// Seed files (`graph.toml` plus the source texts) in the `--out` directory: what `load`
    /// and `check` read, so curated changes can be reviewed in git. Always the whole graph.
    Seeds,
}

/// The nodes to export: all, or those within `depth` edges of `root` (either direction).
pub fn select(graph: &Graph, root: Option<NodeIx>, depth: usize) -> Vec<NodeIx> {
    match root {
        None => graph.nodes(None).to_vec(),
        Some(root) => {
            let walk = Walk {
                via: Vec::new(),
                directed: false,
                max_depth: depth,
            };
            let mut nodes: Vec<NodeIx> =
                traverse::closure(graph, root, &walk, true, usize::MAX, &no_limit())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(ix, _)| ix)
                    .collect();
            nodes.push(root);
            graph.sort_by_id(&mut nodes);
            nodes
        }
    }
}

/// Edges whose two ends are both selected, ordered by id.
fn edges_among<'g>(graph: &'g Graph, nodes: &[NodeIx]) -> Vec<EdgeView<'g>> {
    let ids: HashSet<&str> = nodes.iter().map(|&ix| graph.get(ix).id.as_str()).collect();
    let mut edges: Vec<EdgeView<'_>> = graph
        .all_edges()
        .filter(|e| ids.contains(e.from.as_str()) && ids.contains(e.to.as_str()))
        .collect();
    edges.sort_by_key(|e| e.id());
    edges
}

/// A control character no output format can carry: XML 1.0 forbids all but tab, line feed
/// and carriage return even as references, and drawings would show them as garbage. Titles
/// come from the API, which accepts any text; exports drop these.
fn unprintable(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// Text for an XML attribute or element: markup escaped, characters XML 1.0 forbids dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter(|&c| !unprintable(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// Writes `nodes.csv` to `nodes_out` and `edges.csv` to `edges_out`.
pub fn write_csv(
    graph: &Graph,
    nodes: &[NodeIx],
    nodes_out: &mut dyn Write,
    edges_out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(nodes_out);
    out.write_record(["id", "type", "name"])?;
    for &ix in nodes {
        let n = graph.get(ix);
        out.write_record([n.id.as_str(), n.kind().as_str(), n.title])?;
    }
    out.flush()?;
    let mut out = csv::Writer::from_writer(edges_out);
    out.write_record(["src", "dst", "type", "valid_from", "valid_to"])?;
    let date = |d: Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for e in edges_among(graph, nodes) {
        out.write_record([
            e.from.as_str(),
            e.to.as_str(),
            e.kind.as_str(),
            &date(e.valid_from()),
            &date(e.valid_to()),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// Writes every format but CSV (which needs two files) to `out`.
pub fn write(
    graph: &Graph,
    nodes: &[NodeIx],
    format: Format,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let edges = edges_among(graph, nodes);
    let node = |ix: NodeIx| -> NodeView<'_> { graph.get(ix) };
    match format {
        Format::Dot => {
            writeln!(
                out,
                "digraph policygraph {{\n  rankdir=LR;\n  node [shape=box];"
            )?;
            for &ix in nodes {
                let n = node(ix);
                writeln!(
                    out,
                    "  \"{}\" [label=\"{}\\n({})\"];",
                    n.id,
                    dot(n.title),
                    n.kind()
                )?;
            }
            for e in &edges {
                writeln!(
                    out,
                    "  \"{}\" -> \"{}\" [label=\"{}\"];",
                    e.from,
                    e.to,
                    label(e)
                )?;
            }
            writeln!(out, "}}")
        }
        Format::Graphml => {
            writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
            writeln!(
                out,
                "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">"
            )?;
            writeln!(
                out,
                "  <key id=\"kind\" for=\"all\" attr.name=\"kind\" attr.type=\"string\"/>"
            )?;
            writeln!(
                out,
                "  <key id=\"title\" for=\"node\" attr.name=\"title\" attr.type=\"string\"/>"
            )?;
            for key in ["valid_from", "valid_to"] {
                writeln!(
                    out,
                    "  <key id=\"{key}\" for=\"edge\" attr.name=\"{key}\" attr.type=\"string\"/>"
                )?;
            }
            writeln!(out, "  <graph id=\"policygraph\" edgedefault=\"directed\">")?;
            for &ix in nodes {
                let n = node(ix);
                writeln!(
                    out,
                    "    <node id=\"{}\"><data key=\"kind\">{}</data><data key=\"title\">{}</data></node>",
                    xml(n.id.as_str()),
                    n.kind(),
                    xml(n.title)
                )?;
            }
            for e in &edges {
                let validity: String = [("valid_from", e.valid_from()), ("valid_to", e.valid_to())]
                    .into_iter()
                    .filter_map(|(key, d)| Some(format!("<data key=\"{key}\">{}</data>", d?)))
                    .collect();
                writeln!(
                    out,
                    "    <edge id=\"{}\" source=\"{}\" target=\"{}\"><data key=\"kind\">{}</data>{validity}</edge>",
                    xml(&e.id()),
                    xml(e.from.as_str()),
                    xml(e.to.as_str()),
                    e.kind
                )?;
            }
            writeln!(out, "  </graph>\n</graphml>")
        }
        Format::Json => {
            let body = json!({
                "nodes": nodes.iter().map(|&ix| json_node(&node(ix))).collect::<Vec<_>>(),
                "edges": edges.iter().map(json_edge).collect::<Vec<_>>(),
            });
            writeln!(out, "{body:#}")
        }
        Format::Mermaid => {
            writeln!(out, "flowchart LR")?;
            let short: BTreeMap<&str, usize> = nodes
                .iter()
                .enumerate()
                .map(|(i, &ix)| (node(ix).id.as_str(), i))
                .collect();
            for (i, &ix) in nodes.iter().enumerate() {
                let n = node(ix);
                writeln!(out, "  n{i}[\"{} <br/><i>{}</i>\"]", mermaid(n.title), n.id)?;
            }
            for e in &edges {
                writeln!(
                    out,
                    "  n{} -->|{}| n{}",
                    short[e.from.as_str()],
                    label(e),
                    short[e.to.as_str()]
                )?;
            }
            Ok(())
        }
        Format::Matrix => matrix(graph, nodes, out),
        Format::Csv | Format::Seeds => Err(std::io::Error::other(
            "CSV export writes two files: use write_csv",
        )),
    }
}

/// An edge's label in drawings: its kind, and its validity when it holds only for a time.
fn label(e: &EdgeView<'_>) -> String {
    match (e.valid_from(), e.valid_to()) {
        (None, None) => e.kind.to_string(),
        (from, to) => format!("{} {}", e.kind, crate::validity::describe(from, to)),
    }
}

/// Text for a quoted DOT string: backslashes and quotes escaped, line breaks as `\n`, tabs
/// as spaces, other control characters dropped.
fn dot(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push(' '),
            c if unprintable(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// Text for a quoted Mermaid label: Mermaid's entity codes for the characters its parser or
/// its HTML rendering would read as syntax (`"`, `<`, `>`, `&`, `#`), line breaks and tabs
/// as spaces, other control characters dropped.
fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A citation with the API's field names.
fn json_citation(c: &crate::model::Citation) -> serde_json::Value {
    json!({
        "document": c.document.as_str(),
        "quote": c.quote,
        "excerpt": c.excerpt,
        "startOffset": c.start,
        "endOffset": c.end,
        "line": c.line,
        "column": c.column,
        "occurrences": c.occurrences,
    })
}

/// A node as the API names its fields, with its kind.
fn json_node(n: &NodeView<'_>) -> serde_json::Value {
    let date = |d: Option<PartialDate>| d.map(|d| d.to_string());
    json!({
        "id": n.id.as_str(),
        "kind": n.kind().as_str().to_uppercase(),
        "title": n.title,
        "note": n.note(),
        "date": date(n.date()),
        "start": date(n.start()),
        "end": date(n.end()),
        "place": n.place(),
        "format": n.format(),
        "citations": n.citations().iter().map(json_citation).collect::<Vec<_>>(),
    })
}

/// An edge as the API names its fields.
fn json_edge(e: &EdgeView<'_>) -> serde_json::Value {
    let date = |d: Option<PartialDate>| d.map(|d| d.to_string());
    json!({
        "id": e.id(),
        "kind": e.kind.as_str(),
        "from": e.from.as_str(),
        "to": e.to.as_str(),
        "note": e.note(),
        "validFrom": date(e.valid_from()),
        "validTo": date(e.valid_to()),
        "citations": e.citations().iter().map(json_citation).collect::<Vec<_>>(),
    })
}

/// Goals × programmes: a cell is the chain of link kinds from programme to goal and the
/// document the first link is quoted from, e.g. `IMPLEMENTS>PART_OF [document:x]`.
fn matrix(graph: &Graph, nodes: &[NodeIx], out: &mut dyn Write) -> std::io::Result<()> {
    let of = |kind| -> Vec<NodeIx> {
        nodes
            .iter()
            .copied()
            .filter(|&ix| graph.kind(ix) == kind)
            .collect()
    };
    let (goals, programmes) = (of(NodeKind::Goal), of(NodeKind::Programme));
    let mut out = csv::Writer::from_writer(out);
    let header: Vec<&str> = std::iter::once("goal")
        .chain(programmes.iter().map(|&p| graph.get(p).id.as_str()))
        .collect();
    out.write_record(&header)?;
    for &g in &goals {
        let cells: BTreeMap<NodeIx, String> = coverage::matrix_row(graph, g, &no_limit())
            .unwrap_or_default()
            .into_iter()
            .map(|cell| (cell.programme, coverage::cell_label(graph, &cell.chain)))
            .collect();
        let row: Vec<&str> = std::iter::once(graph.get(g).id.as_str())
            .chain(
                programmes
                    .iter()
                    .map(|p| cells.get(p).map_or("", String::as_str)),
            )
            .collect();
        out.write_record(&row)?;
    }
    out.flush()?;
    Ok(())
}
