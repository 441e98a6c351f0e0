//! `policygraph export`: the whole graph, or the neighbourhood of a node, in formats other tools
//! read — Graphviz (dot), Gephi and yEd (GraphML), spreadsheets (CSV), Markdown (Mermaid), JSON —
//! and the goals × programmes traceability matrix analysts ask for.

pub mod seeds;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use serde_json::json;

use crate::graph::budget::Budget;
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
            let mut nodes: Vec<NodeIx> = traverse::closure(graph, root, &walk, true, &no_limit())
                .unwrap_or_default()
                .into_iter()
                .map(|(ix, _)| ix)
                .collect();
            nodes.push(root);
            nodes.sort_by(|a, b| graph.get(*a).id.cmp(graph.get(*b).id));
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

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes `nodes.csv` to `nodes_out` and `edges.csv` to `edges_out`.
pub fn write_csv(
    graph: &Graph,
    nodes: &[NodeIx],
    nodes_out: &mut dyn Write,
    edges_out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(nodes_out, "id,type,name")?;
    for &ix in nodes {
        let n = graph.get(ix);
        writeln!(
            nodes_out,
            "{},{},{}",
            csv(n.id.as_str()),
            n.kind(),
            csv(n.title)
        )?;
    }
    writeln!(edges_out, "src,dst,type,valid_from,valid_to")?;
    let date = |d: Option<PartialDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for e in edges_among(graph, nodes) {
        writeln!(
            edges_out,
            "{},{},{},{},{}",
            csv(e.from.as_str()),
            csv(e.to.as_str()),
            e.kind,
            date(e.valid_from()),
            date(e.valid_to()),
        )?;
    }
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
                "nodes": nodes.iter().map(|&ix| node(ix).to_node()).collect::<Vec<_>>(),
                "edges": edges.iter().map(EdgeView::to_edge).collect::<Vec<_>>(),
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

fn dot(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid(text: &str) -> String {
    text.replace('"', "#quot;")
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
    write!(out, "goal")?;
    for &p in &programmes {
        write!(out, ",{}", csv(graph.get(p).id.as_str()))?;
    }
    writeln!(out)?;
    for &g in &goals {
        let cells: BTreeMap<NodeIx, String> = traverse::implementers(graph, g, true, &no_limit())
            .unwrap_or_default()
            .into_iter()
            .map(|imp| {
                let kinds: Vec<&str> = imp
                    .chain
                    .iter()
                    .map(|&e| graph.edge_kind(e).as_str())
                    .collect();
                let source = imp
                    .chain
                    .first()
                    .and_then(|&e| graph.edge(e).citations().first())
                    .map_or(String::new(), |c| format!(" [{}]", c.document));
                (imp.node, format!("{}{source}", kinds.join(">")))
            })
            .collect();
        write!(out, "{}", csv(graph.get(g).id.as_str()))?;
        for p in &programmes {
            write!(out, ",{}", csv(cells.get(p).map_or("", String::as_str)))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
