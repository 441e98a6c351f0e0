//! Coverage: which programmes reach each goal (the traceability matrix's rows), how many
//! implementers a goal has, and the graph counted by kind, source document and year — what
//! the CLI's matrix export, the API's `coverage`, `matrix` and `stats`, and the explorer's
//! coverage view read, computed in one place.
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

/// Counts `graph`: kinds from the compact base, citations from the nodes and edges that have
/// details (no view of every edge, whose source is a search and whose ends are two id reads:
/// that took 117 ms at 1m edges).
pub fn stats(graph: &Graph) -> Stats {
    // Documents in id order (the listing's), found by a binary search for a citation's id.
    let mut by_document: Vec<DocumentCount> = graph
        .nodes(Some(NodeKind::Document))
        .iter()
        .map(|&document| DocumentCount {
            document,
            nodes: 0,
            edges: 0,
            citations: 0,
        })
        .collect();
    let mut cite = |citations: &[crate::model::Citation], node: bool| {
        let mut seen: Vec<usize> = Vec::new();
        for c in citations {
            let found = by_document
                .binary_search_by(|d| graph.get(d.document).id.as_str().cmp(c.document.as_str()));
            let Ok(i) = found else {
                continue;
            };
            let count = &mut by_document[i];
            count.citations += 1;
            if !seen.contains(&i) {
                seen.push(i);
                if node {
                    count.nodes += 1;
                } else {
                    count.edges += 1;
                }
            }
        }
    };
    let mut per_edge_kind = [0usize; EdgeKind::ALL.len()];
    let mut edges = 0;
    for (e, ()) in graph.all_edge_ixs() {
        edges += 1;
        let kind = graph.edge_kind(e);
        if let Some(i) = EdgeKind::ALL.iter().position(|&k| k == kind) {
            per_edge_kind[i] += 1;
        }
    }
    for e in graph.cited_edges() {
        cite(graph.edge(e).citations(), false);
    }
    for ix in graph.cited_nodes() {
        cite(graph.get(ix).citations(), true);
    }
    Stats {
        nodes: graph.node_count(),
        edges,
        by_kind: NodeKind::ALL
            .iter()
            .map(|&k| (k, graph.nodes(Some(k)).len()))
            .collect(),
        by_edge_kind: EdgeKind::ALL.iter().copied().zip(per_edge_kind).collect(),
        by_document,
        by_year: years(graph),
    }
}

/// A range of years, either end open.
type Years = (Option<i32>, Option<i32>);

/// The years in which `ix` is active, as ranges that may overlap: one per COVERS edge to a
/// time span (the span's years within the edge's validity) and one per dated relation at it.
fn active_years(graph: &Graph, ix: NodeIx, out: &mut Vec<Years>) {
    let year = |d: Option<PartialDate>| d.map(|d| d.year());
    out.clear();
    for (e, span) in graph.edges(ix, Way::Outgoing) {
        if graph.edge_kind(e) != EdgeKind::Covers || graph.kind(span) != NodeKind::TimeSpan {
            continue;
        }
        // Details only: a view would read the span's id and title and search for the edge's
        // source, for every COVERS edge of the graph.
        let (start, end) = graph
            .node_details(span)
            .map_or((None, None), |d| (d.start, d.end));
        let (valid_from, valid_to) = validity(graph, e);
        let from = year(start).max(year(valid_from));
        let to = match (year(end), year(valid_to)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        out.push((from, to));
    }
    for e in graph.dated_edges_at(ix) {
        let (from, to) = validity(graph, e);
        out.push((year(from), year(to)));
    }
}

/// When an edge holds: from, to (either open).
fn validity(graph: &Graph, e: EdgeIx) -> (Option<PartialDate>, Option<PartialDate>) {
    graph
        .edge_details(e)
        .map_or((None, None), |d| (d.valid_from, d.valid_to))
}

/// A node's date, start and end (only a node with details has any).
fn dates(graph: &Graph, ix: NodeIx) -> [Option<PartialDate>; 3] {
    graph
        .node_details(ix)
        .map_or([None; 3], |d| [d.date, d.start, d.end])
}

/// Counts per year, from the earliest year any date in the graph names to the latest. Each
/// node's active years are merged into ranges first, so a year is counted once per node
/// however many spans cover it, and the counting costs the ranges, not a scan per year.
///
/// Only dated things are visited: nodes with details (the only ones with dates), the nodes
/// COVERS edges lead from into time spans, and the ends of dated relations — not every node
/// and its edges (33 ms at 1m edges, most of them undated).
fn years(graph: &Graph) -> Vec<YearCount> {
    let detailed = graph.detailed_nodes();
    let dated_edges = graph.dated_edges();
    let mut dates: Vec<PartialDate> = Vec::new();
    for &ix in &detailed {
        dates.extend(self::dates(graph, ix).into_iter().flatten());
    }
    for &e in &dated_edges {
        let (from, to) = validity(graph, e);
        dates.extend([from, to].into_iter().flatten());
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
    for &ix in &detailed {
        let [date, start, end] = self::dates(graph, ix);
        if let Some(d) = date {
            out[slot(d.year())].dated += 1;
        }
        if graph.kind(ix) == NodeKind::TimeSpan {
            if let Some(s) = start {
                out[slot(s.year())].spans_starting += 1;
            }
            if let Some(e) = end {
                out[slot(e.year())].spans_ending += 1;
            }
        }
    }
    // The nodes that can be active: what covers a time span, and the ends of dated relations.
    let mut can_be_active: Vec<NodeIx> = Vec::new();
    for &span in graph.nodes(Some(NodeKind::TimeSpan)).iter() {
        can_be_active.extend(
            graph
                .edges(span, Way::Incoming)
                .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::Covers)
                .map(|(_, source)| source),
        );
    }
    for &e in &dated_edges {
        let (from, to) = graph.ends(e);
        can_be_active.extend([from, to]);
    }
    can_be_active.sort_unstable();
    can_be_active.dedup();
    // Reused node after node: none has many active ranges.
    let (mut active, mut ranges) = (Vec::new(), Vec::new());
    for ix in can_be_active {
        active_years(graph, ix, &mut active);
        ranges.clear();
        ranges.extend(
            active
                .iter()
                .map(|&(from, to)| {
                    (
                        from.unwrap_or(first).max(first),
                        to.unwrap_or(last).min(last),
                    )
                })
                .filter(|(from, to)| from <= to),
        );
        ranges.sort_unstable();
        let mut current: Option<(i32, i32)> = None;
        for &(from, to) in &ranges {
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
