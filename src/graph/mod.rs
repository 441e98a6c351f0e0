//! The in-memory graph snapshot: immutable, shared by readers, the next one derived from the
//! last by applying a write's changes.
//!
//! A snapshot is a [`base`] built in one go from the store (ids and titles in arenas, the
//! adjacency as compressed rows, the rare parts beside it; see [`build`]) plus a [`delta`] overlay of every
//! change since, in persistent maps: [`Graph::apply`] costs what the change costs, and the
//! new snapshot shares the base and most of the overlay with the old one. [`Graph::compact`]
//! folds the overlay into a new base when it has grown. Callers address nodes by [`NodeId`]
//! and get back [`NodeIx`] handles that are only meaningful for the snapshot that issued them
//! (and the snapshots derived from it); nodes and edges are read through [`NodeView`] and
//! [`EdgeView`].

use std::borrow::Cow;
use std::sync::Arc;

use petgraph::graph::{EdgeIndex, NodeIndex};

use crate::error::{Error, Result};
use crate::model::{Edge, EdgeKind, Id, Node, NodeId, NodeKind};

mod apply;
#[cfg(test)]
mod apply_tests;
pub mod as_of;
mod base;
pub mod budget;
mod build;
pub mod coverage;
mod delta;
mod details;
pub mod memo;
pub mod report;
#[cfg(test)]
mod report_tests;
pub mod timeline;
pub mod traverse;
mod view;

use base::Base;
pub use build::Builder;
use delta::{BaseEdge, Delta};
use details::{EdgeDetails, NodeDetails};
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

/// Everything a snapshot is built from: what the store reads, or a dataset holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Every node with its citations, ordered by id.
    pub nodes: Vec<Node>,
    /// Every edge with its citations, ordered by id.
    pub edges: Vec<Edge>,
    /// Ids of the documents that have a stored source text, with its path.
    pub texts: Vec<(NodeId, String)>,
}

/// One change to apply to a snapshot (see [`Graph::apply`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// Create or replace a node; `text` is the path of its stored source text, when the write
    /// sets one (`None` keeps what the node had).
    Node {
        /// The node as it is now.
        node: Node,
        /// Path of a document's stored text.
        text: Option<String>,
    },
    /// Delete a node and every edge at it.
    DeleteNode(NodeId),
    /// Create or replace an edge.
    Edge(Edge),
    /// Delete an edge.
    DeleteEdge {
        /// Source node.
        from: NodeId,
        /// What the link says.
        kind: EdgeKind,
        /// Target node.
        to: NodeId,
    },
}

/// A page of nodes in id order (see [`Graph::node_page`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePage {
    /// The nodes of the page.
    pub nodes: Vec<NodeIx>,
    /// How many nodes there are over all pages.
    pub total: usize,
    /// Whether a node comes before the page.
    pub has_previous: bool,
    /// Whether a node comes after the page.
    pub has_next: bool,
}

/// An immutable traceability graph (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct Graph {
    base: Arc<Base>,
    delta: Delta,
    /// The change-log position the snapshot reflects, when the process that published it
    /// knows it (see [`Graph::at_position`]).
    position: Option<i64>,
    /// Answers derived from the whole snapshot, kept while it is served.
    memo: memo::Memo,
}

impl Graph {
    /// A snapshot of a base with nothing changed since.
    fn from_base(base: Arc<Base>) -> Graph {
        Graph {
            base,
            delta: Delta::default(),
            position: None,
            memo: memo::Memo::default(),
        }
    }

    /// The same snapshot, marked as reflecting the change log up to `seq`. Its publisher
    /// marks it, so a reader holding the snapshot holds its position too (HTTP caching names
    /// the data served by it).
    pub fn at_position(self, seq: i64) -> Graph {
        Graph {
            position: Some(seq),
            ..self
        }
    }

    /// The change-log position the snapshot reflects; `None` when not known (a snapshot built
    /// outside a server, or an `asOf` view).
    pub fn position(&self) -> Option<i64> {
        self.position
    }

    /// What has been computed from this snapshot and is kept with it.
    pub fn memo(&self) -> &memo::Memo {
        &self.memo
    }

    /// Checks the snapshot's invariants: the id map, orderings and side tables agree with the
    /// graph, and every live edge of the overlay joins two live nodes.
    pub fn verify(&self) -> Result<()> {
        self.base.verify()?;
        for (e, _) in self.all_edge_ixs() {
            let (a, b) = self.ends(e);
            for end in [a, b] {
                if self.lookup_id(self.id_of(end)) != Some(end) {
                    return Err(Error::Database(format!(
                        "graph invariant broken: edge {} joins a deleted node",
                        self.edge(e).id()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The changes applied since the base was built: when this grows, [`Graph::compact`].
    pub fn overlay_size(&self) -> usize {
        self.delta.size
    }

    fn base_nodes(&self) -> usize {
        self.base.node_count()
    }

    fn base_edges(&self) -> usize {
        self.base.edge_count()
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.base_nodes()
            .saturating_add_signed(self.delta.node_balance)
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.base_edges()
            .saturating_add_signed(self.delta.edge_balance)
    }

    /// The handle of the node with this id.
    pub fn lookup(&self, id: &str) -> Option<NodeIx> {
        self.lookup_id(Id::parse(id).ok()?)
    }

    fn lookup_id(&self, id: &Id) -> Option<NodeIx> {
        if !self.delta.ids.is_empty() {
            if let Some(&found) = self.delta.ids.get(id) {
                return found;
            }
        }
        self.base.lookup(id)
    }

    /// The id and title of a live or deleted node.
    fn core(&self, ix: NodeIx) -> (&Id, &str) {
        let i = ix.0.index();
        if i < self.base_nodes() {
            if !self.delta.changed_nodes.is_empty() {
                if let Some(Some(entry)) = self.delta.changed_nodes.get(&ix) {
                    return (&entry.core.id, &entry.core.title);
                }
            }
            (self.base.id(ix), self.base.title(ix))
        } else {
            let core = &self.delta.nodes[i - self.base_nodes()].core;
            (&core.id, &core.title)
        }
    }

    /// The id of a live or deleted node.
    fn id_of(&self, ix: NodeIx) -> &Id {
        self.core(ix).0
    }

    /// Sorts `nodes` by id. The base numbers its nodes in id order, so while every node is
    /// of the base this compares numbers, not texts (a time span's 10 000 covering
    /// programmes: no string read at all).
    pub fn sort_by_id(&self, nodes: &mut [NodeIx]) {
        let base = self.base_nodes();
        if nodes.iter().all(|ix| ix.0.index() < base) {
            nodes.sort_unstable();
        } else {
            nodes.sort_unstable_by(|a, b| self.id_of(*a).cmp(self.id_of(*b)));
        }
    }

    fn node_details(&self, ix: NodeIx) -> Option<&NodeDetails> {
        let i = ix.0.index();
        if i < self.base_nodes() {
            if !self.delta.changed_nodes.is_empty() {
                if let Some(changed) = self.delta.changed_nodes.get(&ix) {
                    return changed.as_ref().and_then(|e| e.details.as_ref());
                }
            }
            self.base.node_details.get(&ix)
        } else {
            self.delta.nodes[i - self.base_nodes()].details.as_ref()
        }
    }

    fn edge_details(&self, ix: EdgeIx) -> Option<&EdgeDetails> {
        let i = ix.0.index();
        if i < self.base_edges() {
            if !self.delta.changed_edges.is_empty() {
                match self.delta.changed_edges.get(&ix) {
                    Some(BaseEdge::Details(details)) => return details.as_deref(),
                    Some(BaseEdge::Deleted) => return None,
                    None => {}
                }
            }
            self.base.edge_details.get(&ix)
        } else {
            self.delta.edges[i - self.base_edges()].details.as_ref()
        }
    }

    /// The node behind a handle of this snapshot.
    pub fn get(&self, ix: NodeIx) -> NodeView<'_> {
        let (id, title) = self.core(ix);
        NodeView::new(self, ix, id, title)
    }

    /// The kind of a node of this snapshot (what `get(ix).kind()` says, without parsing).
    pub fn kind(&self, ix: NodeIx) -> NodeKind {
        let i = ix.0.index();
        if i < self.base_nodes() {
            self.base.kinds[i]
        } else {
            self.delta.nodes[i - self.base_nodes()].kind
        }
    }

    /// The kind of an edge of this snapshot (what `edge(ix).kind` says, without its ends).
    pub fn edge_kind(&self, ix: EdgeIx) -> EdgeKind {
        let i = ix.0.index();
        if i < self.base_edges() {
            self.base.edge_kinds[i]
        } else {
            self.delta.edges[i - self.base_edges()].kind
        }
    }

    fn base_node_live(&self, ix: NodeIx) -> bool {
        self.delta.deleted_base_nodes == 0
            || !matches!(self.delta.changed_nodes.get(&ix), Some(None))
    }

    fn base_edge_live(&self, ix: EdgeIx) -> bool {
        self.delta.deleted_base_edges == 0
            || !matches!(self.delta.changed_edges.get(&ix), Some(BaseEdge::Deleted))
    }

    /// Nodes ordered by id, all of them or only those of `kind`. Borrowed from the base while
    /// no node was added or deleted since it was built.
    pub fn nodes(&self, kind: Option<NodeKind>) -> Cow<'_, [NodeIx]> {
        let base = self.base.listing(kind);
        if self.delta.added_by_id.is_empty() && self.delta.deleted_base_nodes == 0 {
            return Cow::Borrowed(base);
        }
        let mut added = self
            .delta
            .added_by_id
            .iter()
            .filter(|(_, ix)| kind.is_none_or(|k| self.kind(**ix) == k))
            .peekable();
        let mut out = Vec::with_capacity(base.len() + self.delta.added_by_id.len());
        for &ix in base.iter().filter(|&&ix| self.base_node_live(ix)) {
            let id = self.id_of(ix);
            while let Some((_, &a)) = added.next_if(|(added_id, _)| added_id.as_str() < id.as_str())
            {
                out.push(a);
            }
            out.push(ix);
        }
        out.extend(added.map(|(_, &a)| a));
        Cow::Owned(out)
    }

    /// One page of [`Graph::nodes`]: up to `first` nodes whose id follows `after`, with the
    /// total and whether pages come before and after. Costs the page plus the overlay, never a
    /// pass over every node.
    pub fn node_page(&self, kind: Option<NodeKind>, after: Option<&str>, first: usize) -> NodePage {
        let base = self.base.listing(kind);
        let before = |ix: NodeIx| after.is_some_and(|a| self.id_of(ix).as_str() <= a);
        let base_start = base.partition_point(|&ix| before(ix));
        let of_kind = |ix: NodeIx| kind.is_none_or(|k| self.kind(ix) == k);
        let deleted: Vec<NodeIx> = self
            .delta
            .changed_nodes
            .iter()
            .filter(|(ix, entry)| entry.is_none() && of_kind(**ix))
            .map(|(ix, _)| *ix)
            .collect();
        let added: Vec<NodeIx> = self
            .delta
            .added_by_id
            .values()
            .copied()
            .filter(|&ix| of_kind(ix))
            .collect();
        let added_start = added.partition_point(|&ix| before(ix));
        let deleted_before = deleted.iter().filter(|&&ix| before(ix)).count();
        let mut merged = base[base_start..]
            .iter()
            .copied()
            .filter(|&ix| self.base_node_live(ix))
            .peekable();
        let mut extra = added[added_start..].iter().copied().peekable();
        let mut nodes = Vec::with_capacity(first.min(1024) + 1);
        while nodes.len() <= first {
            let next = match (merged.peek(), extra.peek()) {
                (Some(&b), Some(&a)) if self.id_of(a) < self.id_of(b) => extra.next(),
                (Some(_), _) => merged.next(),
                (None, _) => extra.next(),
            };
            match next {
                Some(ix) => nodes.push(ix),
                None => break,
            }
        }
        let has_next = nodes.len() > first;
        nodes.truncate(first);
        NodePage {
            nodes,
            total: base.len() - deleted.len() + added.len(),
            has_previous: base_start > deleted_before || added_start > 0,
            has_next,
        }
    }

    /// Edges at a node in one direction, each with the node at its other end.
    pub fn edges(&self, ix: NodeIx, way: Way) -> impl Iterator<Item = (EdgeIx, NodeIx)> + '_ {
        let in_base = ix.0.index() < self.base_nodes();
        let (outgoing, incoming) = match (in_base, way) {
            (false, _) => (None, None),
            (true, Way::Outgoing) => (Some(self.base.outgoing(ix)), None),
            (true, Way::Incoming) => (None, Some(self.base.incoming(ix))),
        };
        let base = outgoing
            .into_iter()
            .flatten()
            .chain(incoming.into_iter().flatten())
            .filter(move |&(e, _)| self.base_edge_live(e));
        let lists = match way {
            Way::Outgoing => &self.delta.out,
            Way::Incoming => &self.delta.inc,
        };
        let added = (!lists.is_empty())
            .then(|| lists.get(&ix))
            .flatten()
            .into_iter()
            .flatten()
            .map(move |&e| {
                let entry = &self.delta.edges[e.0.index() - self.base_edges()];
                let other = match way {
                    Way::Outgoing => entry.to,
                    Way::Incoming => entry.from,
                };
                (e, other)
            });
        base.chain(added)
    }

    /// The edge behind a handle of this snapshot.
    pub fn edge(&self, ix: EdgeIx) -> EdgeView<'_> {
        let (a, b) = self.ends(ix);
        EdgeView::new(self, ix, self.id_of(a), self.edge_kind(ix), self.id_of(b))
    }

    /// The target of an edge: cheaper than [`Graph::ends`], which searches for the source.
    pub fn target(&self, ix: EdgeIx) -> NodeIx {
        let i = ix.0.index();
        if i < self.base_edges() {
            self.base.target(ix)
        } else {
            self.delta.edges[i - self.base_edges()].to
        }
    }

    /// The source and target of an edge.
    pub fn ends(&self, ix: EdgeIx) -> (NodeIx, NodeIx) {
        let i = ix.0.index();
        if i < self.base_edges() {
            self.base.ends(ix)
        } else {
            let entry = &self.delta.edges[i - self.base_edges()];
            (entry.from, entry.to)
        }
    }

    /// Every node, in id order.
    pub fn all_nodes(&self) -> impl Iterator<Item = NodeView<'_>> + '_ {
        let order: Box<dyn Iterator<Item = NodeIx> + '_> = match self.nodes(None) {
            Cow::Borrowed(list) => Box::new(list.iter().copied()),
            Cow::Owned(list) => Box::new(list.into_iter()),
        };
        order.map(|ix| self.get(ix))
    }

    /// Every live edge handle, with nothing else.
    fn all_edge_ixs(&self) -> impl Iterator<Item = (EdgeIx, ())> + '_ {
        let base = (0..self.base_edges())
            .map(|i| EdgeIx(EdgeIndex::new(i)))
            .filter(|&e| self.base_edge_live(e));
        let added = (0..self.delta.edges.len())
            .map(|i| EdgeIx(EdgeIndex::new(self.base_edges() + i)))
            .filter(|e| !self.delta.dead_edges.contains(e));
        base.chain(added).map(|e| (e, ()))
    }

    /// Every edge, in no particular order.
    pub fn all_edges(&self) -> impl Iterator<Item = EdgeView<'_>> + '_ {
        self.all_edge_ixs().map(|(e, ())| self.edge(e))
    }

    /// Is the edge live and does it hold only for a time?
    fn is_dated(&self, e: EdgeIx) -> bool {
        let live = if e.0.index() < self.base_edges() {
            self.base_edge_live(e)
        } else {
            !self.delta.dead_edges.contains(&e)
        };
        live && self
            .edge_details(e)
            .is_some_and(|d| d.valid_from.is_some() || d.valid_to.is_some())
    }

    fn dated_among(&self, base: &[EdgeIx], added: Option<&imbl::Vector<EdgeIx>>) -> Vec<EdgeIx> {
        let mut out: Vec<EdgeIx> = base
            .iter()
            .copied()
            .chain(added.into_iter().flatten().copied())
            .filter(|&e| self.is_dated(e))
            .collect();
        if added.is_some() {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// Every edge that holds only for a time (it has a `valid_from` or a `valid_to`).
    pub fn dated_edges(&self) -> Vec<EdgeIx> {
        let added = (!self.delta.dated.is_empty()).then_some(&self.delta.dated);
        self.dated_among(&self.base.dated, added)
    }

    /// The edges at a node (either end) that hold only for a time.
    pub fn dated_edges_at(&self, ix: NodeIx) -> Vec<EdgeIx> {
        let base = self.base.dated_at.get(&ix).map_or(&[][..], Vec::as_slice);
        self.dated_among(base, self.delta.dated_at.get(&ix))
    }

    /// The path of the stored source text of a document, if it has one.
    pub fn source_path(&self, document: &Id) -> Option<&str> {
        if let Some(changed) = self.delta.texts.get(document) {
            return changed.as_deref();
        }
        self.base.texts.get(document).map(String::as_str)
    }

    /// The live nodes that have citations (only nodes with details can), in id order.
    pub fn cited_nodes(&self) -> Vec<NodeIx> {
        let mut out = self.detailed_nodes();
        out.retain(|&ix| {
            self.node_details(ix)
                .is_some_and(|d| !d.citations.is_empty())
        });
        out
    }

    /// The live nodes that have details (a date, a span, a note, citations...), in id order:
    /// what a pass over dates or citations visits instead of every node.
    pub fn detailed_nodes(&self) -> Vec<NodeIx> {
        let mut out: Vec<NodeIx> = self
            .base
            .node_details
            .keys()
            .copied()
            .chain(self.delta.changed_nodes.keys().copied())
            .chain(
                (0..self.delta.nodes.len()).map(|i| NodeIx(NodeIndex::new(self.base_nodes() + i))),
            )
            .filter(|&ix| self.lookup_id(self.id_of(ix)) == Some(ix))
            .filter(|&ix| self.node_details(ix).is_some())
            .collect();
        self.sort_by_id(&mut out);
        out.dedup();
        out
    }

    /// The live edges that have citations (only edges with details can).
    pub fn cited_edges(&self) -> Vec<EdgeIx> {
        let mut out: Vec<EdgeIx> = self
            .base
            .edge_details
            .keys()
            .copied()
            .chain(self.delta.changed_edges.keys().copied())
            .chain(
                (0..self.delta.edges.len()).map(|i| EdgeIx(EdgeIndex::new(self.base_edges() + i))),
            )
            .filter(|&e| self.is_live_edge(e))
            .filter(|&e| {
                self.edge_details(e)
                    .is_some_and(|d| !d.citations.is_empty())
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The ids of the nodes and edges, other than `document` itself and its own edges, that
    /// quote `document`. Only entities with citations can quote, so this reads the side
    /// tables, not the graph.
    pub fn quoting(&self, document: &NodeId) -> Vec<String> {
        let quotes = |citations: &[crate::model::Citation]| {
            citations.iter().any(|c| &c.document == document)
        };
        let mut out: Vec<String> = Vec::new();
        for ix in self.cited_nodes() {
            let node = self.get(ix);
            if node.id != document && quotes(node.citations()) {
                out.push(node.id.to_string());
            }
        }
        for e in self.cited_edges() {
            let edge = self.edge(e);
            if edge.from != document && edge.to != document && quotes(edge.citations()) {
                out.push(edge.id());
            }
        }
        out.sort();
        out
    }

    fn is_live_edge(&self, e: EdgeIx) -> bool {
        if e.0.index() < self.base_edges() {
            self.base_edge_live(e)
        } else {
            !self.delta.dead_edges.contains(&e)
        }
    }

    /// The edge `from -kind-> to`, if there is one.
    pub fn find_edge(&self, from: NodeIx, kind: EdgeKind, to: NodeIx) -> Option<EdgeIx> {
        self.edges(from, Way::Outgoing)
            .find(|&(e, other)| other == to && self.edge_kind(e) == kind)
            .map(|(e, _)| e)
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
        assert_eq!(&*graph.nodes(Some(NodeKind::Goal)), &[goal]);
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
