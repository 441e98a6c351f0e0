//! The part of a snapshot built in one go from the store: a petgraph graph with ids and titles
//! on the nodes and kinds on the edges, the id map, orderings, and the rare parts of nodes and
//! edges in side tables (`details`). Never changed once built: writes since then live in the
//! snapshot's overlay (`delta`), and a compaction builds the next base.

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use super::Contents;
use super::details::{self, EdgeDetails, NodeCore, NodeDetails};
use super::{EdgeIx, NodeIx};
use crate::error::{Error, Result};
use crate::model::{EdgeKind, NodeId, NodeKind};

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Base {
    /// Ids and titles on the nodes, kinds on the edges: what every node and edge has.
    pub(super) inner: DiGraph<NodeCore, EdgeKind, u32>,
    pub(super) index: HashMap<NodeId, NodeIndex<u32>>,
    /// All nodes ordered by id (the order of `nodes` connections).
    pub(super) by_id: Vec<NodeIx>,
    /// Nodes of each kind ordered by id.
    pub(super) by_kind: HashMap<NodeKind, Vec<NodeIx>>,
    /// The kind of each node, by index: traversals test kinds on every step, and reading it
    /// from the id's prefix means parsing text each time.
    pub(super) kinds: Vec<NodeKind>,
    /// Notes, dates, places, formats and citations of the nodes that have any.
    pub(super) node_details: HashMap<NodeIx, NodeDetails>,
    /// Notes, validities and citations of the edges that have any.
    pub(super) edge_details: HashMap<EdgeIx, EdgeDetails>,
    /// The edges that hold only for a time (a `valid_from` or `valid_to`), and the same edges
    /// by each of their two ends.
    pub(super) dated: Vec<EdgeIx>,
    pub(super) dated_at: HashMap<NodeIx, Vec<EdgeIx>>,
    /// Documents whose full text the store holds, with the text's path.
    pub(super) texts: HashMap<NodeId, String>,
}

impl Base {
    /// Builds a base; fails if an edge names a node that does not exist.
    pub(super) fn build(contents: Contents) -> Result<Base> {
        let mut graph = Base {
            inner: DiGraph::with_capacity(contents.nodes.len(), contents.edges.len()),
            index: HashMap::with_capacity(contents.nodes.len()),
            by_id: Vec::with_capacity(contents.nodes.len()),
            kinds: Vec::with_capacity(contents.nodes.len()),
            ..Base::default()
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
                let ends = if a == b { &[a][..] } else { &[a, b][..] };
                for &end in ends {
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
    pub(super) fn verify(&self) -> Result<()> {
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
            .any(|w| self.inner[w[0].0].id >= self.inner[w[1].0].id)
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
}
