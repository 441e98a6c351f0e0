//! The in-memory graph snapshot: built once from the store, immutable, shared by readers.
//!
//! petgraph is a private detail: callers address nodes by [`NodeId`] and get back [`NodeIx`]
//! handles that are only meaningful for the snapshot that issued them. Nodes and edges are read
//! through [`NodeView`] and [`EdgeView`]: the snapshot keeps only ids, titles and kinds in the
//! graph itself and the rarely present fields beside it (`details`), which keeps a million-edge
//! graph small.

use std::collections::HashMap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::error::{Error, Result};
use crate::model::{EdgeKind, NodeId, NodeKind};
use crate::store::Contents;

pub mod as_of;
pub mod budget;
mod details;
pub mod timeline;
pub mod traverse;
mod view;

use details::{EdgeDetails, NodeCore, NodeDetails};
pub use view::{EdgeView, NodeView};

/// A handle to a node of one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeIx(NodeIndex<u32>);

/// A handle to an edge of one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeIx(EdgeIndex<u32>);

/// Which way to follow edges from a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Edges whose source is the node.
    Outgoing,
    /// Edges whose target is the node.
    Incoming,
}

/// An immutable traceability graph.
#[derive(Debug, Default)]
pub struct Graph {
    /// Ids and titles on the nodes, kinds on the edges: what every node and edge has.
    inner: DiGraph<NodeCore, EdgeKind, u32>,
    index: HashMap<NodeId, NodeIndex<u32>>,
    /// All nodes ordered by id (the order of `nodes` connections).
    by_id: Vec<NodeIx>,
    /// Nodes of each kind ordered by id.
    by_kind: HashMap<NodeKind, Vec<NodeIx>>,
    /// The kind of each node, by index: traversals test kinds on every step, and reading it
    /// from the id's prefix means parsing text each time.
    kinds: Vec<NodeKind>,
    /// Notes, dates, places, formats and citations of the nodes that have any.
    node_details: HashMap<NodeIx, NodeDetails>,
    /// Notes, validities and citations of the edges that have any.
    edge_details: HashMap<EdgeIx, EdgeDetails>,
    /// The edges that hold only for a time (a `valid_from` or `valid_to`), by id order of
    /// their source, and the same edges by each of their two ends.
    dated: Vec<EdgeIx>,
    dated_at: HashMap<NodeIx, Vec<EdgeIx>>,
    /// Documents whose full text the store holds, with the text's path.
    texts: HashMap<NodeId, String>,
}

impl Graph {
    /// Builds a snapshot; fails if an edge names a node that does not exist.
    pub fn build(contents: Contents) -> Result<Graph> {
        let mut graph = Graph {
            inner: DiGraph::with_capacity(contents.nodes.len(), contents.edges.len()),
            index: HashMap::with_capacity(contents.nodes.len()),
            by_id: Vec::with_capacity(contents.nodes.len()),
            kinds: Vec::with_capacity(contents.nodes.len()),
            ..Graph::default()
        };
        let mut nodes = contents.nodes;
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        for node in nodes {
            let kind = node.kind();
            let (core, details) = details::split_node(node);
            let id = core.id.clone();
            let ix = graph.inner.add_node(core);
            graph.index.insert(id, ix);
            graph.by_id.push(NodeIx(ix));
            graph.by_kind.entry(kind).or_default().push(NodeIx(ix));
            graph.kinds.push(kind);
            if let Some(details) = details {
                graph.node_details.insert(NodeIx(ix), details);
            }
        }
        for edge in contents.edges {
            let (Some(&a), Some(&b)) = (graph.index.get(&edge.from), graph.index.get(&edge.to))
            else {
                return Err(Error::Database(format!(
                    "edge {} names a node that does not exist",
                    edge.id()
                )));
            };
            let ix = graph.inner.add_edge(a, b, edge.kind);
            if edge.valid_from.is_some() || edge.valid_to.is_some() {
                graph.dated.push(EdgeIx(ix));
                for end in [a, b] {
                    graph
                        .dated_at
                        .entry(NodeIx(end))
                        .or_default()
                        .push(EdgeIx(ix));
                }
            }
            if let Some(details) = details::edge_details(edge) {
                graph.edge_details.insert(EdgeIx(ix), details);
            }
        }
        graph.by_kind.values_mut().for_each(|v| v.shrink_to_fit());
        graph.node_details.shrink_to_fit();
        graph.edge_details.shrink_to_fit();
        graph.texts = contents.texts.into_iter().collect();
        graph.verify()?;
        Ok(graph)
    }

    /// Checks the snapshot's invariants: the id map, orderings and side tables agree with the
    /// graph.
    pub fn verify(&self) -> Result<()> {
        let broken = |what: &str| Err(Error::Database(format!("graph invariant broken: {what}")));
        if self.index.len() != self.inner.node_count() || self.by_id.len() != self.index.len() {
            return broken("id map and node count differ");
        }
        if self.kinds.len() != self.inner.node_count()
            || self
                .inner
                .node_indices()
                .any(|ix| self.kinds[ix.index()] != self.inner[ix].id.kind())
        {
            return broken("the kind cache disagrees with the ids");
        }
        for (id, &ix) in &self.index {
            if &self.inner[ix].id != id {
                return broken("id map points at the wrong node");
            }
        }
        if self
            .by_id
            .windows(2)
            .any(|w| self.get(w[0]).id >= self.get(w[1]).id)
        {
            return broken("id order is not strictly increasing");
        }
        if self
            .node_details
            .keys()
            .any(|ix| ix.0.index() >= self.inner.node_count())
            || self
                .edge_details
                .keys()
                .any(|ix| ix.0.index() >= self.inner.edge_count())
        {
            return broken("details of a node or edge that does not exist");
        }
        Ok(())
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.inner.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    /// The handle of the node with this id.
    pub fn lookup(&self, id: &str) -> Option<NodeIx> {
        let id = NodeId::parse(id).ok()?;
        self.index.get(&id).map(|&ix| NodeIx(ix))
    }

    /// The node behind a handle of this snapshot.
    pub fn get(&self, ix: NodeIx) -> NodeView<'_> {
        let core = &self.inner[ix.0];
        NodeView::new(self, ix, &core.id, &core.title)
    }

    /// The kind of a node of this snapshot (what `get(ix).kind()` says, without parsing).
    pub fn kind(&self, ix: NodeIx) -> NodeKind {
        self.kinds[ix.0.index()]
    }

    /// The kind of an edge of this snapshot (what `edge(ix).kind` says, without its ends).
    pub fn edge_kind(&self, ix: EdgeIx) -> EdgeKind {
        self.inner[ix.0]
    }

    /// Nodes ordered by id, all of them or only those of `kind`.
    pub fn nodes(&self, kind: Option<NodeKind>) -> &[NodeIx] {
        match kind {
            None => &self.by_id,
            Some(k) => self.by_kind.get(&k).map_or(&[], Vec::as_slice),
        }
    }

    /// Edges at a node in one direction, each with the node at its other end.
    pub fn edges(&self, ix: NodeIx, way: Way) -> impl Iterator<Item = (EdgeIx, NodeIx)> + '_ {
        let direction = match way {
            Way::Outgoing => Direction::Outgoing,
            Way::Incoming => Direction::Incoming,
        };
        self.inner.edges_directed(ix.0, direction).map(move |e| {
            let other = match way {
                Way::Outgoing => e.target(),
                Way::Incoming => e.source(),
            };
            (EdgeIx(e.id()), NodeIx(other))
        })
    }

    /// The edge behind a handle of this snapshot.
    pub fn edge(&self, ix: EdgeIx) -> EdgeView<'_> {
        let (a, b) = self.ends(ix);
        EdgeView::new(
            self,
            ix,
            &self.inner[a.0].id,
            self.inner[ix.0],
            &self.inner[b.0].id,
        )
    }

    /// The source and target of an edge.
    pub fn ends(&self, ix: EdgeIx) -> (NodeIx, NodeIx) {
        let (a, b) = self
            .inner
            .edge_endpoints(ix.0)
            .unwrap_or((NodeIndex::end(), NodeIndex::end()));
        (NodeIx(a), NodeIx(b))
    }

    /// Every node, in id order.
    pub fn all_nodes(&self) -> impl Iterator<Item = NodeView<'_>> + '_ {
        self.by_id.iter().map(|&ix| self.get(ix))
    }

    /// Every edge, in no particular order.
    pub fn all_edges(&self) -> impl Iterator<Item = EdgeView<'_>> + '_ {
        self.inner.edge_indices().map(|ix| self.edge(EdgeIx(ix)))
    }

    /// Every edge that holds only for a time (it has a `valid_from` or a `valid_to`).
    pub fn dated_edges(&self) -> &[EdgeIx] {
        &self.dated
    }

    /// The edges at a node (either end) that hold only for a time.
    pub fn dated_edges_at(&self, ix: NodeIx) -> &[EdgeIx] {
        self.dated_at.get(&ix).map_or(&[], Vec::as_slice)
    }

    /// The path of the stored source text of a document, if it has one.
    pub fn source_path(&self, document: &NodeId) -> Option<&str> {
        self.texts.get(document).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Citation, Edge, EdgeKind, Node};

    fn node(id: &str) -> Node {
        Node {
            id: NodeId::parse(id).expect("valid id"),
            title: id.to_owned(),
            note: None,
            date: None,
            start: None,
            end: None,
            place: None,
            format: None,
            citations: Vec::<Citation>::new(),
        }
    }

    #[test]
    fn a_built_graph_finds_nodes_by_id_and_walks_edges_both_ways() {
        let edge = Edge {
            from: NodeId::parse("programme:p").expect("id"),
            kind: EdgeKind::Implements,
            to: NodeId::parse("goal:g").expect("id"),
            note: None,
            valid_from: None,
            valid_to: None,
            citations: Vec::new(),
        };
        let contents = Contents {
            nodes: vec![node("programme:p"), node("goal:g")],
            edges: vec![edge],
            texts: Vec::new(),
        };
        let graph = Graph::build(contents).expect("builds");
        let goal = graph.lookup("goal:g").expect("goal");
        let incoming: Vec<_> = graph.edges(goal, Way::Incoming).collect();
        assert_eq!(incoming.len(), 1);
        assert_eq!(graph.edge(incoming[0].0).kind, EdgeKind::Implements);
        assert_eq!(graph.get(incoming[0].1).id.as_str(), "programme:p");
        assert_eq!(graph.nodes(Some(NodeKind::Goal)), &[goal]);
        assert_eq!(graph.lookup("goal:missing"), None);
    }

    #[test]
    fn an_edge_to_a_missing_node_is_refused() {
        let edge = Edge {
            from: NodeId::parse("programme:p").expect("id"),
            kind: EdgeKind::Implements,
            to: NodeId::parse("goal:gone").expect("id"),
            note: None,
            valid_from: None,
            valid_to: None,
            citations: Vec::new(),
        };
        let contents = Contents {
            nodes: vec![node("programme:p")],
            edges: vec![edge],
            texts: Vec::new(),
        };
        assert!(Graph::build(contents).is_err());
    }
}
