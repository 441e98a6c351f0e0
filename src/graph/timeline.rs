//! Time on the graph: what happens in a period, and what is active in a year.
//!
//! Dates have the precision the sources give, so every comparison is on ranges: a date "2024-10"
//! lies in a period when any day of October 2024 does.

use super::{EdgeIx, Graph, NodeIx, Way};
use crate::model::{EdgeKind, NodeKind, PartialDate, overlaps};

/// What a timeline entry records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EntryKind {
    /// A summit or meeting took place.
    Summit,
    /// A document or programme was issued, signed or adopted (its own date).
    Dated,
    /// A time span starts in the period.
    SpanStarts,
    /// A time span ends in the period.
    SpanEnds,
    /// A time span covers the whole period without starting or ending in it.
    SpanRuns,
    /// A relation that holds for a time (a dated edge) starts holding in the period.
    RelationStarts,
    /// A dated relation stops holding in the period.
    RelationEnds,
    /// A dated relation holds through the whole period without starting or ending in it.
    RelationHolds,
}

/// One entry of a timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// When (for a running span: its start, or None when open).
    pub date: Option<PartialDate>,
    /// What happened.
    pub kind: EntryKind,
    /// The summit, dated node or time span.
    pub node: NodeIx,
    /// Related nodes: what was adopted at a summit, the programmes covering a span, or the
    /// target of a dated relation.
    pub related: Vec<NodeIx>,
    /// The dated relation, for the `Relation*` kinds (`node` is its source).
    pub edge: Option<EdgeIx>,
}

/// Is `date` (a range) within `[from, to]`?
fn within(date: PartialDate, from: PartialDate, to: PartialDate) -> bool {
    date.latest() >= from.earliest() && date.earliest() <= to.latest()
}

fn sorted(graph: &Graph, mut nodes: Vec<NodeIx>) -> Vec<NodeIx> {
    nodes.sort_by(|a, b| graph.get(*a).id.cmp(graph.get(*b).id));
    nodes.dedup();
    nodes
}

/// Summits, dated documents and programmes, time spans starting, ending or running in
/// `[from, to]`, and dated relations starting, ending or holding in it; ordered by date
/// (undated running spans first), then kind, then id.
pub fn timeline(graph: &Graph, from: PartialDate, to: PartialDate) -> Vec<Entry> {
    let mut out = Vec::new();
    for &ix in graph.nodes(None).iter() {
        let node = graph.get(ix);
        match node.kind() {
            NodeKind::TimeSpan => {
                if !overlaps(node.start(), node.end(), from, to) {
                    continue;
                }
                let related: Vec<NodeIx> = graph
                    .edges(ix, Way::Incoming)
                    .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::Covers)
                    .map(|(_, n)| n)
                    .collect();
                let related = sorted(graph, related);
                let starts = node.start().filter(|&s| within(s, from, to));
                let ends = node.end().filter(|&e| within(e, from, to));
                if let Some(s) = starts {
                    out.push(Entry {
                        date: Some(s),
                        kind: EntryKind::SpanStarts,
                        node: ix,
                        related: related.clone(),
                        edge: None,
                    });
                }
                if let Some(e) = ends {
                    out.push(Entry {
                        date: Some(e),
                        kind: EntryKind::SpanEnds,
                        node: ix,
                        related: related.clone(),
                        edge: None,
                    });
                }
                if starts.is_none() && ends.is_none() {
                    out.push(Entry {
                        date: node.start(),
                        kind: EntryKind::SpanRuns,
                        node: ix,
                        related,
                        edge: None,
                    });
                }
            }
            kind => {
                let Some(date) = node.date().filter(|&d| within(d, from, to)) else {
                    continue;
                };
                let (entry_kind, related) = if kind == NodeKind::Summit {
                    let adopted: Vec<NodeIx> = graph
                        .edges(ix, Way::Incoming)
                        .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::AdoptedAt)
                        .map(|(_, n)| n)
                        .collect();
                    (EntryKind::Summit, sorted(graph, adopted))
                } else {
                    (EntryKind::Dated, Vec::new())
                };
                out.push(Entry {
                    date: Some(date),
                    kind: entry_kind,
                    node: ix,
                    related,
                    edge: None,
                });
            }
        }
    }
    relations(graph, from, to, &mut out);
    out.sort_by(|a, b| {
        let key = |e: &Entry| (e.date.map(|d| d.earliest()), e.kind);
        key(a)
            .cmp(&key(b))
            .then_with(|| graph.get(a.node).id.cmp(graph.get(b.node).id))
    });
    out
}

/// The dated relations that start, end or hold in `[from, to]`.
fn relations(graph: &Graph, from: PartialDate, to: PartialDate, out: &mut Vec<Entry>) {
    for e in graph.dated_edges() {
        let edge = graph.edge(e);
        if !edge.holds_during(from, to) {
            continue;
        }
        let (source, target) = graph.ends(e);
        let mut push = |date, kind| {
            out.push(Entry {
                date,
                kind,
                node: source,
                related: vec![target],
                edge: Some(e),
            })
        };
        let starts = edge.valid_from().filter(|&s| within(s, from, to));
        let ends = edge.valid_to().filter(|&d| within(d, from, to));
        if let Some(s) = starts {
            push(Some(s), EntryKind::RelationStarts);
        }
        if let Some(d) = ends {
            push(Some(d), EntryKind::RelationEnds);
        }
        if starts.is_none() && ends.is_none() {
            push(edge.valid_from(), EntryKind::RelationHolds);
        }
    }
}

/// Is the node active during `[from, to]`: does it cover a time span overlapping it (through
/// a COVERS edge that holds then), or is it an end of a dated relation that holds then? A
/// node with neither is never active (the sources give it no period).
pub fn active(graph: &Graph, ix: NodeIx, from: PartialDate, to: PartialDate) -> bool {
    let covers = graph
        .edges(ix, Way::Outgoing)
        .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::Covers)
        .any(|(e, span)| {
            let span = graph.get(span);
            overlaps(span.start(), span.end(), from, to) && graph.edge(e).holds_during(from, to)
        });
    covers
        || graph
            .dated_edges_at(ix)
            .into_iter()
            .any(|e| graph.edge(e).holds_during(from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> PartialDate {
        PartialDate::parse(text).expect("date")
    }

    #[test]
    fn a_month_is_within_a_period_that_touches_any_of_its_days() {
        assert!(within(d("2024-10"), d("2024-10-31"), d("2025")));
        assert!(!within(d("2024-10"), d("2024-11"), d("2025")));
    }

    #[test]
    fn open_spans_overlap_everything_on_their_open_side() {
        assert!(overlaps(None, Some(d("2025")), d("1990"), d("1991")));
        assert!(!overlaps(None, Some(d("2025")), d("2026"), d("2026")));
        assert!(overlaps(Some(d("2021")), None, d("2030"), d("2030")));
        assert!(!overlaps(
            Some(d("2022")),
            Some(d("2022")),
            d("2025"),
            d("2025")
        ));
    }
}
