//! The part of a snapshot built in one go from the store (see [`super::build`]): ids and
//! titles in two text arenas, an id map that holds indices, and both directions of the
//! adjacency as compressed sparse rows (CSR) of `u32`; the rare parts of nodes and edges sit
//! in side tables (`details`). Never changed once built: writes since then live in the
//! snapshot's overlay (`delta`), and a compaction builds the next base.
//!
//! Nodes are numbered in id order, so the nodes of one kind (the id's prefix) are one range
//! of that order. Edges are numbered in the order of their source: the outgoing edges of node
//! `n` are the edges `out.start[n]..out.start[n + 1]`. At 10m edges this is about 50 bytes a
//! node and 13 an edge (300 MB), where petgraph with an `Arc<str>` id per node took 690 MB.

use std::collections::HashMap;
use std::ops::Range;

use hashbrown::HashTable;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::details::{EdgeDetails, NodeDetails};
use super::{EdgeIx, NodeIx};
use crate::error::{Error, Result};
use crate::model::{EdgeKind, Id, NodeId, NodeKind};

/// Many strings in one buffer: string `i` is `text[ends[i - 1]..ends[i]]`.
#[derive(Debug, Default)]
pub(super) struct Strings {
    text: String,
    ends: Vec<u32>,
}

impl Strings {
    pub(super) fn with_capacity(strings: usize, bytes: usize) -> Strings {
        Strings {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(strings),
        }
    }

    /// Appends `s`; fails past 4 GiB of text (the offsets are `u32`).
    pub(super) fn push(&mut self, s: &str) -> Result<()> {
        self.text.push_str(s);
        let end = u32::try_from(self.text.len())
            .map_err(|_| Error::Database("the graph's ids or titles exceed 4 GiB".into()))?;
        self.ends.push(end);
        Ok(())
    }

    pub(super) fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub(super) fn last(&self) -> Option<&str> {
        self.ends.len().checked_sub(1).map(|i| self.get(i))
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// One direction of the adjacency: the edges of node `n` are `start[n]..start[n + 1]` of
/// `other` (the node at the far end) and `edge` (the edge's number; `None` when the list is
/// in edge order, as the outgoing one is).
#[derive(Debug, Default)]
pub(super) struct Csr {
    pub(super) start: Vec<u32>,
    pub(super) other: Vec<u32>,
    pub(super) edge: Option<Vec<u32>>,
}

impl Csr {
    fn range(&self, node: usize) -> Range<usize> {
        match (self.start.get(node), self.start.get(node + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// The far ends of node `node`'s edges, with the edges' numbers.
    fn at(&self, node: usize) -> impl Iterator<Item = (EdgeIx, NodeIx)> + '_ {
        let range = self.range(node);
        let others = self.other[range.clone()].iter();
        let node_ix = |&n: &u32| NodeIx(NodeIndex::new(n as usize));
        let edge_ix = |e: usize| EdgeIx(EdgeIndex::new(e));
        match &self.edge {
            // Outgoing: the edges are numbered as they are laid out.
            None => Either::Left(
                range
                    .zip(others)
                    .map(move |(e, n)| (edge_ix(e), node_ix(n))),
            ),
            Some(numbers) => Either::Right(
                numbers[range]
                    .iter()
                    .zip(others)
                    .map(move |(&e, n)| (edge_ix(e as usize), node_ix(n))),
            ),
        }
    }
}

/// One of two iterators of the same items.
enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<T, L: Iterator<Item = T>, R: Iterator<Item = T>> Iterator for Either<L, R> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Either::Left(l) => l.next(),
            Either::Right(r) => r.next(),
        }
    }
}

/// See the module documentation.
#[derive(Debug, Default)]
pub(super) struct Base {
    pub(super) ids: Strings,
    pub(super) titles: Strings,
    /// The kind of each node: traversals test kinds on every step, and reading it from the
    /// id's prefix means parsing text each time.
    pub(super) kinds: Vec<NodeKind>,
    /// Node numbers, found by hashing the id text they point at.
    pub(super) index: HashTable<u32>,
    /// All nodes in id order (`by_id[i]` is node `i`), lent out as slices by listings.
    pub(super) by_id: Vec<NodeIx>,
    /// The range of `by_id` that holds each kind's nodes.
    pub(super) kind_ranges: Vec<(NodeKind, Range<usize>)>,
    pub(super) out: Csr,
    pub(super) inc: Csr,
    /// The kind of each edge, by edge number.
    pub(super) edge_kinds: Vec<EdgeKind>,
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

/// The hash the id map files node numbers under: of the id's text.
pub(super) fn hash_id(id: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x706f_6c69_6379).hash_one(id)
}

impl Base {
    pub(super) fn node_count(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn edge_count(&self) -> usize {
        self.edge_kinds.len()
    }

    pub(super) fn id(&self, ix: NodeIx) -> &Id {
        Id::trusted(self.ids.get(ix.0.index()))
    }

    pub(super) fn title(&self, ix: NodeIx) -> &str {
        self.titles.get(ix.0.index())
    }

    pub(super) fn lookup(&self, id: &Id) -> Option<NodeIx> {
        let id = id.as_str();
        self.index
            .find(hash_id(id), |&n| self.ids.get(n as usize) == id)
            .map(|&n| NodeIx(NodeIndex::new(n as usize)))
    }

    /// Nodes in id order, all of them or those of one kind.
    pub(super) fn listing(&self, kind: Option<NodeKind>) -> &[NodeIx] {
        match kind {
            None => &self.by_id,
            Some(k) => self
                .kind_ranges
                .iter()
                .find(|(of, _)| *of == k)
                .map_or(&[], |(_, range)| &self.by_id[range.clone()]),
        }
    }

    pub(super) fn outgoing(&self, ix: NodeIx) -> impl Iterator<Item = (EdgeIx, NodeIx)> + '_ {
        self.out.at(ix.0.index())
    }

    pub(super) fn incoming(&self, ix: NodeIx) -> impl Iterator<Item = (EdgeIx, NodeIx)> + '_ {
        self.inc.at(ix.0.index())
    }

    /// The target of an edge of the base (its source is a search: see [`Base::ends`]).
    pub(super) fn target(&self, e: EdgeIx) -> NodeIx {
        NodeIx(NodeIndex::new(self.out.other[e.0.index()] as usize))
    }

    /// Source and target of an edge of the base.
    pub(super) fn ends(&self, e: EdgeIx) -> (NodeIx, NodeIx) {
        let i = e.0.index();
        // The source is the last node whose outgoing range starts at or before `i`.
        let source = self.out.start.partition_point(|&s| s as usize <= i) - 1;
        (
            NodeIx(NodeIndex::new(source)),
            NodeIx(NodeIndex::new(self.out.other[i] as usize)),
        )
    }

    /// Checks the snapshot's invariants: the id map, orderings, adjacency and side tables
    /// agree with each other.
    pub(super) fn verify(&self) -> Result<()> {
        let broken = |what: &str| Err(Error::Database(format!("graph invariant broken: {what}")));
        let (nodes, edges) = (self.node_count(), self.edge_count());
        if self.titles.len() != nodes
            || self.kinds.len() != nodes
            || self.by_id.len() != nodes
            || self.index.len() != nodes
        {
            return broken("ids, titles, kinds and the id map differ in length");
        }
        if (0..nodes).any(|i| self.kinds[i] != self.id(self.by_id[i]).kind()) {
            return broken("the kind cache disagrees with the ids");
        }
        if (0..nodes).any(|i| self.lookup(self.id(self.by_id[i])) != Some(self.by_id[i])) {
            return broken("id map points at the wrong node");
        }
        if (1..nodes).any(|i| self.ids.get(i - 1) >= self.ids.get(i)) {
            return broken("id order is not strictly increasing");
        }
        let covered: usize = self.kind_ranges.iter().map(|(_, r)| r.len()).sum();
        if covered != nodes
            || self
                .kind_ranges
                .iter()
                .any(|(k, r)| self.kinds[r.clone()].iter().any(|x| x != k))
        {
            return broken("a kind's nodes are not one range of the id order");
        }
        for (csr, numbered) in [(&self.out, false), (&self.inc, true)] {
            let well_formed = csr.start.len() == nodes + 1
                && csr.start.first() == Some(&0)
                && csr.start.last().map(|&s| s as usize) == Some(edges)
                && csr.start.windows(2).all(|w| w[0] <= w[1])
                && csr.other.len() == edges
                && csr.other.iter().all(|&n| (n as usize) < nodes)
                && csr.edge.as_ref().map(Vec::len) == numbered.then_some(edges);
            if !well_formed {
                return broken("an adjacency list is malformed");
            }
        }
        // Every incoming entry is the reverse of an outgoing one.
        for node in 0..nodes {
            let reversed = |(e, from): (EdgeIx, NodeIx)| {
                let e = e.0.index();
                self.out.other[e] as usize == node && self.out.range(from.0.index()).contains(&e)
            };
            if !self.incoming(NodeIx(NodeIndex::new(node))).all(reversed) {
                return broken("the incoming lists disagree with the outgoing ones");
            }
        }
        if self.node_details.keys().any(|ix| ix.0.index() >= nodes)
            || self.edge_details.keys().any(|ix| ix.0.index() >= edges)
        {
            return broken("details of a node or edge that does not exist");
        }
        Ok(())
    }
}
