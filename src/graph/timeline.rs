//! Time on the graph: what happens in a period, and what is active in a year.
//!
//! Dates have the precision the sources give, so every comparison is on ranges: a date "2024-10"
//! lies in a period when any day of October 2024 does.

use std::sync::Arc;

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
    /// Related nodes, in id order: what was adopted at a summit, the programmes covering a
    /// span (shared by the span's entries: at 1m edges a span has 10 000), or the target of
    /// a dated relation.
    pub related: Arc<[NodeIx]>,
    /// The dated relation, for the `Relation*` kinds (`node` is its source).
    pub edge: Option<EdgeIx>,
}

/// Is `date` (a range) within `[from, to]`?
fn within(date: PartialDate, from: PartialDate, to: PartialDate) -> bool {
    date.latest() >= from.earliest() && date.earliest() <= to.latest()
}

/// The nodes an edge of `kind` leads from into `ix`, in id order.
fn sources(graph: &Graph, ix: NodeIx, kind: EdgeKind) -> Arc<[NodeIx]> {
    let mut nodes: Vec<NodeIx> = graph
        .edges(ix, Way::Incoming)
        .filter(|&(e, _)| graph.edge_kind(e) == kind)
        .map(|(_, n)| n)
        .collect();
    graph.sort_by_id(&mut nodes);
    nodes.dedup();
    nodes.into()
}

/// Summits, dated documents and programmes, time spans starting, ending or running in
/// `[from, to]`, and dated relations starting, ending or holding in it; ordered by date
/// (undated running spans first), then kind, then id.
///
/// Visits the time spans, the nodes with details (only they have dates) and the dated
/// relations, not every node.
pub fn timeline(graph: &Graph, from: PartialDate, to: PartialDate) -> Vec<Entry> {
    let mut out = Vec::new();
    for &ix in graph.nodes(Some(NodeKind::TimeSpan)).iter() {
        let node = graph.get(ix);
        if !overlaps(node.start(), node.end(), from, to) {
            continue;
        }
        let related = sources(graph, ix, EdgeKind::Covers);
        let starts = node.start().filter(|&s| within(s, from, to));
        let ends = node.end().filter(|&e| within(e, from, to));
        let mut push = |date, kind| {
            out.push(Entry {
                date,
                kind,
                node: ix,
                related: related.clone(),
                edge: None,
            })
        };
        if let Some(s) = starts {
            push(Some(s), EntryKind::SpanStarts);
        }
        if let Some(e) = ends {
            push(Some(e), EntryKind::SpanEnds);
        }
        if starts.is_none() && ends.is_none() {
            push(node.start(), EntryKind::SpanRuns);
        }
    }
    for ix in graph.detailed_nodes() {
        let node = graph.get(ix);
        let kind = node.kind();
        if kind == NodeKind::TimeSpan {
            continue;
        }
        let Some(date) = node.date().filter(|&d| within(d, from, to)) else {
            continue;
        };
        let (entry_kind, related) = if kind == NodeKind::Summit {
            (EntryKind::Summit, sources(graph, ix, EdgeKind::AdoptedAt))
        } else {
            (EntryKind::Dated, Arc::from([]))
        };
        out.push(Entry {
            date: Some(date),
            kind: entry_kind,
            node: ix,
            related,
            edge: None,
        });
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
                related: Arc::from([target]),
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
/// node with neither is never active (the sources give it no period). A COVERS edge to
/// anything but a time span gives no period either (an import may make one).
pub fn active(graph: &Graph, ix: NodeIx, from: PartialDate, to: PartialDate) -> bool {
    let covers = graph
        .edges(ix, Way::Outgoing)
        .filter(|&(e, span)| {
            graph.edge_kind(e) == EdgeKind::Covers && graph.kind(span) == NodeKind::TimeSpan
        })
        .any(|(e, span)| {
            let span = graph.get(span);
            overlaps(span.start(), span.end(), from, to) && holds_during(graph, e, from, to)
        });
    covers
        || graph
            .dated_edges_at(ix)
            .into_iter()
            .any(|e| holds_during(graph, e, from, to))
}

/// Does the edge hold at some time in `[from, to]` (as `EdgeView::holds_during` says,
/// without the view's search for the edge's source)?
fn holds_during(graph: &Graph, e: EdgeIx, from: PartialDate, to: PartialDate) -> bool {
    let (valid_from, valid_to) = graph
        .edge_details(e)
        .map_or((None, None), |d| (d.valid_from, d.valid_to));
    overlaps(valid_from, valid_to, from, to)
}

/// The nodes (of `kind`, if given) active during `[from, to]`, as [`active`] judges, in id
/// order. Reached from what makes a node active — the COVERS edges into time spans that
/// overlap the period, and the dated relations that hold in it — not by asking every node.
pub fn active_nodes(
    graph: &Graph,
    kind: Option<NodeKind>,
    from: PartialDate,
    to: PartialDate,
) -> Vec<NodeIx> {
    let mut out = Vec::new();
    for &span in graph.nodes(Some(NodeKind::TimeSpan)).iter() {
        let view = graph.get(span);
        if !overlaps(view.start(), view.end(), from, to) {
            continue;
        }
        out.extend(
            graph
                .edges(span, Way::Incoming)
                .filter(|&(e, _)| {
                    graph.edge_kind(e) == EdgeKind::Covers && holds_during(graph, e, from, to)
                })
                .map(|(_, source)| source),
        );
    }
    for e in graph.dated_edges() {
        if holds_during(graph, e, from, to) {
            let (source, target) = graph.ends(e);
            out.extend([source, target]);
        }
    }
    out.retain(|&ix| kind.is_none_or(|k| graph.kind(ix) == k));
    graph.sort_by_id(&mut out);
    out.dedup();
    out
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
