//! Coverage: which programmes reach each goal (the traceability matrix's rows), how many
//! implementers a goal has, and the graph counted by kind, source document and year — what
//! the CLI's matrix export, the API's `coverage`, `matrix` and `stats`, and the explorer's
//! coverage view read, computed in one place.

use std::collections::HashMap;

use super::budget::{Budget, Exhausted};
use super::timeline;
use super::traverse;
use super::{EdgeIx, Graph, NodeIx, Way};
use crate::model::{EdgeKind, NodeKind, PartialDate};

/// One non-empty cell of the goals × programmes matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The programme.
    pub programme: NodeIx,
    /// Edges from the programme to the goal: IMPLEMENTS, then PART_OF / DEPENDS_ON up to it.
    pub chain: Vec<EdgeIx>,
}

/// The matrix row of `goal`: every programme implementing it, directly or through the goals
/// that are PART_OF or DEPENDS_ON it, with its chain; ordered by chain length, then id.
pub fn matrix_row(graph: &Graph, goal: NodeIx, budget: &Budget) -> Result<Vec<Cell>, Exhausted> {
    Ok(traverse::implementers(graph, goal, true, budget)?
        .into_iter()
        .filter(|imp| graph.kind(imp.node) == NodeKind::Programme)
        .map(|imp| Cell {
            programme: imp.node,
            chain: imp.chain,
        })
        .collect())
}

/// A cell as the CSV matrix writes it: the chain's link kinds and the document the first
/// link is quoted from, e.g. `IMPLEMENTS>PART_OF [document:x]`.
pub fn cell_label(graph: &Graph, chain: &[EdgeIx]) -> String {
    let kinds: Vec<&str> = chain.iter().map(|&e| graph.edge_kind(e).as_str()).collect();
    let source = chain
        .first()
        .and_then(|&e| graph.edge(e).citations().first())
        .map_or(String::new(), |c| format!(" [{}]", c.document));
    format!("{}{source}", kinds.join(">"))
}

/// How well one goal is covered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoalCoverage {
    /// Programmes and measures with an IMPLEMENTS edge to the goal itself.
    pub direct: usize,
    /// Programmes and measures implementing it or any goal PART_OF / DEPENDS_ON it.
    pub transitive: usize,
    /// Of the transitive implementers, those active in the year asked for (see
    /// [`timeline::active`]); `None` when no year was asked for.
    pub active: Option<usize>,
}

/// Counts the implementers of `goal`; `active_in` also counts those active in that year.
pub fn goal_coverage(
    graph: &Graph,
    goal: NodeIx,
    active_in: Option<PartialDate>,
    budget: &Budget,
) -> Result<GoalCoverage, Exhausted> {
    let found = traverse::implementers(graph, goal, true, budget)?;
    let active = active_in.map(|year| {
        found
            .iter()
            .filter(|imp| timeline::active(graph, imp.node, year, year))
            .count()
    });
    Ok(GoalCoverage {
        direct: found.iter().filter(|imp| imp.chain.len() == 1).count(),
        transitive: found.len(),
        active,
    })
}

/// What one source document supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocumentCount {
    /// The document.
    pub document: NodeIx,
    /// Nodes with at least one citation into it.
    pub nodes: usize,
    /// Edges with at least one citation into it.
    pub edges: usize,
    /// Citations into it, on nodes and edges.
    pub citations: usize,
}

/// What happens in one year.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct YearCount {
    /// The year.
    pub year: i32,
    /// Nodes whose own date (a document issued, a summit held) falls in it.
    pub dated: usize,
    /// Time spans starting in it.
    pub spans_starting: usize,
    /// Time spans ending in it.
    pub spans_ending: usize,
    /// Nodes active in it, as [`timeline::active`] judges for the whole year.
    pub active: usize,
}

/// The graph counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    /// Nodes in all.
    pub nodes: usize,
    /// Edges in all.
    pub edges: usize,
    /// Nodes per kind, every kind listed, in the kinds' order.
    pub by_kind: Vec<(NodeKind, usize)>,
    /// Edges per kind, every kind listed, in the kinds' order.
    pub by_edge_kind: Vec<(EdgeKind, usize)>,
    /// Every document, by id, with what cites it.
    pub by_document: Vec<DocumentCount>,
    /// Every year from the earliest date in the graph to the latest, in order.
    pub by_year: Vec<YearCount>,
}

/// Counts `graph` in one pass over its nodes and one over its edges.
pub fn stats(graph: &Graph) -> Stats {
    let mut by_edge_kind: HashMap<EdgeKind, usize> = HashMap::new();
    let mut per_document: HashMap<String, DocumentCount> = graph
        .nodes(Some(NodeKind::Document))
        .iter()
        .map(|&document| {
            let count = DocumentCount {
                document,
                nodes: 0,
                edges: 0,
                citations: 0,
            };
            (graph.get(document).id.to_string(), count)
        })
        .collect();
    let mut cite = |citations: &[crate::model::Citation], node: bool| {
        let mut seen: Vec<&str> = Vec::new();
        for c in citations {
            let Some(count) = per_document.get_mut(c.document.as_str()) else {
                continue;
            };
            count.citations += 1;
            if !seen.contains(&c.document.as_str()) {
                seen.push(c.document.as_str());
                if node {
                    count.nodes += 1;
                } else {
                    count.edges += 1;
                }
            }
        }
    };
    let mut edges = 0;
    for e in graph.all_edges() {
        edges += 1;
        *by_edge_kind.entry(e.kind).or_default() += 1;
        cite(e.citations(), false);
    }
    for n in graph.all_nodes() {
        cite(n.citations(), true);
    }
    let mut by_document: Vec<DocumentCount> = per_document.into_values().collect();
    by_document.sort_by(|a, b| graph.get(a.document).id.cmp(graph.get(b.document).id));
    Stats {
        nodes: graph.node_count(),
        edges,
        by_kind: NodeKind::ALL
            .iter()
            .map(|&k| (k, graph.nodes(Some(k)).len()))
            .collect(),
        by_edge_kind: EdgeKind::ALL
            .iter()
            .map(|&k| (k, by_edge_kind.get(&k).copied().unwrap_or(0)))
            .collect(),
        by_document,
        by_year: years(graph),
    }
}

/// A range of years, either end open.
type Years = (Option<i32>, Option<i32>);

/// The years in which `ix` is active, as ranges that may overlap: one per COVERS edge (the
/// span's years within the edge's validity) and one per dated relation at it.
fn active_years(graph: &Graph, ix: NodeIx) -> Vec<Years> {
    let year = |d: Option<PartialDate>| d.map(|d| d.year());
    let mut out = Vec::new();
    for (e, span) in graph.edges(ix, Way::Outgoing) {
        if graph.edge_kind(e) != EdgeKind::Covers {
            continue;
        }
        let (span, edge) = (graph.get(span), graph.edge(e));
        let from = year(span.start()).max(year(edge.valid_from()));
        let to = match (year(span.end()), year(edge.valid_to())) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        out.push((from, to));
    }
    for e in graph.dated_edges_at(ix) {
        let edge = graph.edge(e);
        out.push((year(edge.valid_from()), year(edge.valid_to())));
    }
    out
}

/// Counts per year, from the earliest year any date in the graph names to the latest. Each
/// node's active years are merged into ranges first, so a year is counted once per node
/// however many spans cover it, and the counting costs the ranges, not a scan per year.
fn years(graph: &Graph) -> Vec<YearCount> {
    let mut dates: Vec<PartialDate> = Vec::new();
    for n in graph.all_nodes() {
        dates.extend([n.date(), n.start(), n.end()].into_iter().flatten());
    }
    for e in graph.dated_edges() {
        let e = graph.edge(e);
        dates.extend([e.valid_from(), e.valid_to()].into_iter().flatten());
    }
    let (Some(first), Some(last)) = (
        dates.iter().map(PartialDate::year).min(),
        dates.iter().map(PartialDate::year).max(),
    ) else {
        return Vec::new();
    };
    let slot = |year: i32| (year - first) as usize;
    let mut out: Vec<YearCount> = (first..=last)
        .map(|year| YearCount {
            year,
            ..YearCount::default()
        })
        .collect();
    // Active years as a difference array: +1 where a node's merged range starts, -1 past it.
    let mut delta = vec![0i64; out.len() + 1];
    let mut mark = |(from, to): (i32, i32)| {
        delta[slot(from)] += 1;
        delta[slot(to) + 1] -= 1;
    };
    for ix in graph.nodes(None).iter().copied() {
        let n = graph.get(ix);
        if let Some(d) = n.date() {
            out[slot(d.year())].dated += 1;
        }
        if n.kind() == NodeKind::TimeSpan {
            if let Some(s) = n.start() {
                out[slot(s.year())].spans_starting += 1;
            }
            if let Some(e) = n.end() {
                out[slot(e.year())].spans_ending += 1;
            }
        }
        let mut ranges: Vec<(i32, i32)> = active_years(graph, ix)
            .into_iter()
            .map(|(from, to)| {
                (
                    from.unwrap_or(first).max(first),
                    to.unwrap_or(last).min(last),
                )
            })
            .filter(|(from, to)| from <= to)
            .collect();
        ranges.sort_unstable();
        let mut current: Option<(i32, i32)> = None;
        for (from, to) in ranges {
            match current {
                Some((a, b)) if from <= b + 1 => current = Some((a, b.max(to))),
                _ => {
                    if let Some(range) = current {
                        mark(range);
                    }
                    current = Some((from, to));
                }
            }
        }
        if let Some(range) = current {
            mark(range);
        }
    }
    let mut running = 0;
    for (count, change) in out.iter_mut().zip(&delta) {
        running += change;
        count.active = running as usize;
    }
    out
}
