//! The graph "as the sources stood" on a date: a filtered snapshot for the `asOf` argument.
//!
//! Kept: documents issued by then (undated ones too: the sources do not say otherwise), summits
//! held by then, programmes adopted by then and still in force (a span not yet ended, and no
//! SUPERSEDES from a programme adopted by then), and everything else the remaining citations
//! still support. A citation counts only when its document was issued by then. An edge that
//! holds only for a time (`valid_from` / `valid_to`) is kept only when it holds on the date.

use std::collections::{HashMap, HashSet};

use super::Contents;
use super::{Graph, NodeView, Way};
use crate::error::Result;
use crate::model::{Edge, EdgeKind, Node, NodeKind, PartialDate};

/// A new snapshot with only what was known and in force on `date`.
pub fn as_of(graph: &Graph, date: PartialDate) -> Result<Graph> {
    let by_id: HashMap<&str, NodeView<'_>> =
        graph.all_nodes().map(|n| (n.id.as_str(), n)).collect();
    let by = |d: Option<PartialDate>| d.is_none_or(|d| d.earliest() <= date.latest());
    // When each node was adopted: its own date, else the date of a summit it was adopted at.
    let adopted = |n: &NodeView<'_>| -> Option<PartialDate> {
        n.date().or_else(|| {
            let ix = graph.lookup(n.id.as_str())?;
            graph
                .edges(ix, Way::Outgoing)
                .filter(|&(e, _)| graph.edge_kind(e) == EdgeKind::AdoptedAt)
                .filter_map(|(_, s)| graph.get(s).date())
                .min_by_key(|d| d.earliest())
        })
    };
    let ended = |n: &NodeView<'_>| -> bool {
        let Some(ix) = graph.lookup(n.id.as_str()) else {
            return false;
        };
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
    let mut keep: HashSet<&str> = graph
        .all_nodes()
        .filter(|n| match n.kind() {
            NodeKind::Document | NodeKind::Summit => by(n.date()),
            NodeKind::Programme => by(adopted(n)) && !ended(n),
            _ => true,
        })
        .map(|n| n.id.as_str())
        .collect();
    // Superseded by a programme in force then.
    let holds = |e: &super::EdgeView<'_>| e.holds_during(date, date);
    for e in graph
        .all_edges()
        .filter(|e| e.kind == EdgeKind::Supersedes && holds(e))
    {
        if keep.contains(e.from.as_str()) {
            keep.remove(e.to.as_str());
        }
    }
    let known = |doc: &str| by_id.get(doc).is_some_and(|d| by(d.date()));
    let nodes: Vec<Node> = graph
        .all_nodes()
        .filter(|n| keep.contains(n.id.as_str()))
        .filter_map(|n| {
            let mut n = n.to_node();
            n.citations.retain(|c| known(c.document.as_str()));
            (!n.citations.is_empty()).then_some(n)
        })
        .collect();
    let kept: HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let edges: Vec<Edge> = graph
        .all_edges()
        .filter(|e| kept.contains(e.from.as_str()) && kept.contains(e.to.as_str()) && holds(e))
        .filter_map(|e| {
            let mut e = e.to_edge();
            e.citations.retain(|c| known(c.document.as_str()));
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
