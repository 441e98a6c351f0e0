//! The graph "as the sources stood" on a date: a filtered snapshot for the `asOf` argument.
//!
//! Kept: documents issued by then (undated ones too: the sources do not say otherwise), summits
//! held by then, programmes adopted by then and still in force (a span not yet ended, and no
//! SUPERSEDES from a programme adopted by then), and everything else the remaining citations
//! still support. A citation counts only when its document was issued by then. An edge that
//! holds only for a time (`valid_from` / `valid_to`) is kept only when it holds on the date.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, Weak};

use super::Contents;
use super::{Graph, NodeIx, Way};
use crate::error::Result;
use crate::model::{Edge, EdgeKind, Node, NodeId, NodeKind, PartialDate};

/// How many `asOf` views are kept: each holds only the cited part of the graph (the seed
/// corpus's size, whatever was imported), so a few dozen are small.
const VIEWS_KEPT: usize = 32;

/// The views built last, by the snapshot they came from and their date: dashboards ask the
/// same dates again and again. A view is reused only while its snapshot is the one asked
/// about (the snapshot is held weakly, so an old one is never kept alive by this).
static VIEWS: Mutex<VecDeque<View>> = Mutex::new(VecDeque::new());

/// A view with the snapshot it came from and its date.
type View = (Weak<Graph>, PartialDate, Arc<Graph>);

/// [`as_of`], reusing the view of the same snapshot and date when one was built lately.
pub fn as_of_shared(graph: &Arc<Graph>, date: PartialDate) -> Result<Arc<Graph>> {
    let same =
        |(from, at, _): &View| *at == date && std::ptr::eq(from.as_ptr(), Arc::as_ptr(graph));
    if let Ok(views) = VIEWS.lock() {
        if let Some((_, _, view)) = views.iter().find(|v| same(v)) {
            return Ok(view.clone());
        }
    }
    let view = Arc::new(as_of(graph, date)?);
    if let Ok(mut views) = VIEWS.lock() {
        views.retain(|(from, _, _)| from.strong_count() > 0);
        if !views.iter().any(same) {
            views.push_front((Arc::downgrade(graph), date, view.clone()));
            views.truncate(VIEWS_KEPT);
        }
    }
    Ok(view)
}

/// A new snapshot with only what was known and in force on `date`.
///
/// Only entities with citations can be in it, and only those carry details, so this walks the
/// cited part of the graph (and the edges at it), not the whole: an imported million-edge
/// graph without quotes costs nothing here.
pub fn as_of(graph: &Graph, date: PartialDate) -> Result<Graph> {
    let by = |d: Option<PartialDate>| d.is_none_or(|d| d.earliest() <= date.latest());
    // When a node was adopted: its own date, else the date of a summit it was adopted at.
    let adopted = |ix: NodeIx| -> Option<PartialDate> {
        graph.get(ix).date().or_else(|| {
            graph
                .edges(ix, Way::Outgoing)
                .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::AdoptedAt)
                .filter_map(|(_, s)| graph.get(s).date())
                .min_by_key(|d| d.earliest())
        })
    };
    let ended = |ix: NodeIx| -> bool {
        let ends: Vec<Option<PartialDate>> = graph
            .edges(ix, Way::Outgoing)
            .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::Covers)
            .map(|(_, s)| graph.get(s).end())
            .collect();
        !ends.is_empty()
            && ends
                .iter()
                .all(|e| e.is_some_and(|e| e.latest() < date.earliest()))
    };
    // Known and in force on the date, by the node's kind.
    let current = |ix: NodeIx| match graph.kind(ix) {
        NodeKind::Document | NodeKind::Summit => by(graph.get(ix).date()),
        NodeKind::Programme => by(adopted(ix)) && !ended(ix),
        _ => true,
    };
    // Superseded by a programme in force then (through a SUPERSEDES edge that holds then).
    let superseded = |ix: NodeIx| {
        graph.edges(ix, Way::Incoming).any(|(e, from)| {
            graph.edge_kind(e) == EdgeKind::Supersedes
                && graph.edge(e).holds_during(date, date)
                && current(from)
        })
    };
    let known = |doc: &NodeId| {
        graph
            .lookup(doc.as_str())
            .is_some_and(|d| by(graph.get(d).date()))
    };
    let nodes: Vec<Node> = graph
        .cited_nodes()
        .into_iter()
        .filter(|&ix| current(ix) && !superseded(ix))
        .filter_map(|ix| {
            let mut n = graph.get(ix).to_node();
            n.citations.retain(|c| known(&c.document));
            (!n.citations.is_empty()).then_some(n)
        })
        .collect();
    let kept: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let edges: Vec<Edge> = graph
        .cited_edges()
        .into_iter()
        .map(|e| graph.edge(e))
        .filter(|e| kept.contains(e.from.as_str()) && kept.contains(e.to.as_str()))
        .filter(|e| e.holds_during(date, date))
        .filter_map(|e| {
            let mut e = e.to_edge();
            e.citations.retain(|c| known(&c.document));
            (!e.citations.is_empty()).then_some(e)
        })
        .collect();
    let texts = nodes
        .iter()
        .filter_map(|n| Some((n.id.clone(), graph.source_path(&n.id)?.to_owned())))
        .collect();
    Graph::build(Contents {
        nodes,
        edges,
        texts,
    })
}
