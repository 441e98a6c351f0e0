//! The rare parts of nodes and edges, kept beside the graph instead of in it.
//!
//! Notes, dates, validities, places, formats and citations are what curated seeds carry and imported graphs
//! never do. The base holds only what every node (id, title) and every edge (its kind) has;
//! the rest lives in sparse maps keyed by handle, so a million imported edges pay nothing
//! for fields they leave empty.

use crate::model::{Citation, Edge, Node, NodeId, PartialDate};

/// The parts every node has (an overlay's copy; the base keeps them in its arenas).
#[derive(Debug, Clone)]
pub(super) struct NodeCore {
    /// Stable id, shared with the id map.
    pub(super) id: NodeId,
    /// Human-readable name (boxed: no spare capacity).
    pub(super) title: Box<str>,
}

/// The optional parts of a node (see [`Node`] for what each field means).
#[derive(Debug, Default, PartialEq, Clone)]
pub(super) struct NodeDetails {
    pub(super) note: Option<String>,
    pub(super) date: Option<PartialDate>,
    pub(super) start: Option<PartialDate>,
    pub(super) end: Option<PartialDate>,
    pub(super) place: Option<String>,
    pub(super) format: Option<String>,
    pub(super) citations: Vec<Citation>,
}

/// The optional parts of an edge (see [`Edge`]).
#[derive(Debug, Default, PartialEq, Clone)]
pub(super) struct EdgeDetails {
    pub(super) note: Option<String>,
    pub(super) valid_from: Option<PartialDate>,
    pub(super) valid_to: Option<PartialDate>,
    pub(super) citations: Vec<Citation>,
}

/// Splits a node into the parts every node has and its details, `None` when it has none.
pub(super) fn split_node(node: Node) -> (NodeCore, Option<NodeDetails>) {
    let Node {
        id,
        title,
        note,
        date,
        start,
        end,
        place,
        format,
        citations,
    } = node;
    let core = NodeCore {
        id,
        title: title.into_boxed_str(),
    };
    let details = NodeDetails {
        note,
        date,
        start,
        end,
        place,
        format,
        citations,
    };
    let empty = details == NodeDetails::default();
    (core, (!empty).then_some(details))
}

/// The details of an edge, `None` when it has none (its ends and kind go into the adjacency).
pub(super) fn edge_details(edge: Edge) -> Option<EdgeDetails> {
    let Edge {
        note,
        valid_from,
        valid_to,
        citations,
        ..
    } = edge;
    let details = EdgeDetails {
        note,
        valid_from,
        valid_to,
        citations,
    };
    (details != EdgeDetails::default()).then_some(details)
}
