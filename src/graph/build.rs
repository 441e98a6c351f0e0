//! Building a snapshot's base from a stream of nodes and edges, so a reader never holds the
//! whole graph as model values: the store pushes rows as it reads them and [`Builder::finish`]
//! lays the edges out as compressed rows (see [`super::base`]).
//!
//! While reading, an edge costs nine bytes (source, target, kind); `finish` sorts them by
//! source with a counting sort into the outgoing rows, frees them, and derives the incoming
//! rows from the outgoing ones, so the peak stays near the size of the finished base.

use std::sync::Arc;

use hashbrown::HashTable;
use petgraph::graph::{EdgeIndex, NodeIndex};

use super::base::{Base, Csr, Strings, hash_id};
use super::details::{self, EdgeDetails, NodeDetails};
use super::{Contents, EdgeIx, Graph, NodeIx};
use crate::error::{Error, Result};
use crate::model::{Edge, EdgeKind, Id, Node, NodeId};

/// Takes nodes in strictly increasing id order, then edges between them in any order, and
/// builds a [`Graph`] (see the module documentation).
#[derive(Debug, Default)]
pub struct Builder {
    base: Base,
    /// Source, target and kind of each edge, in the order they came.
    from: Vec<u32>,
    to: Vec<u32>,
    kinds: Vec<EdgeKind>,
    /// The details of the edges that have any, by the position they came in.
    edge_details: Vec<(u32, EdgeDetails)>,
    /// Edges whose target is still to be looked up (see [`Builder::resolve`]).
    pending: Pending,
}

/// Edges taken but not yet resolved: their source, kind, target id and details.
#[derive(Debug, Default)]
struct Pending {
    from: Vec<u32>,
    kinds: Vec<EdgeKind>,
    to: Strings,
    details: Vec<(usize, EdgeDetails)>,
}

/// Edges resolved together. A lookup in the id map at 10m nodes is four dependent cache
/// misses (control bytes, slot, offsets, text); in a loop that does nothing else, the
/// processor overlaps the misses of neighbouring lookups, where between two reads of a store
/// row it cannot.
const BATCH: usize = 1024;

/// How many nodes from the last edge's source on are compared with the next edge's source
/// before the id map is asked.
const SOURCE_STEPS: usize = 8;

/// Bytes an id or a title takes on average in the arenas, to reserve them up front.
const TEXT_GUESS: usize = 16;

fn dangling(from: &Id, kind: EdgeKind, to: &str) -> Error {
    Error::Database(format!(
        "edge {from}/{kind}/{to} names a node that does not exist"
    ))
}

fn too_large() -> Error {
    Error::Database("the graph has more than 2^32 nodes or edges".into())
}

impl Builder {
    /// A builder with room reserved for about this many nodes and edges (a hint: more fit).
    pub fn with_capacity(nodes: usize, edges: usize) -> Builder {
        let base = Base {
            ids: Strings::with_capacity(nodes, nodes * TEXT_GUESS),
            titles: Strings::with_capacity(nodes, nodes * TEXT_GUESS),
            kinds: Vec::with_capacity(nodes),
            index: HashTable::with_capacity(nodes),
            by_id: Vec::with_capacity(nodes),
            ..Base::default()
        };
        Builder {
            base,
            from: Vec::with_capacity(edges),
            to: Vec::with_capacity(edges),
            kinds: Vec::with_capacity(edges),
            edge_details: Vec::new(),
            pending: Pending::default(),
        }
    }

    /// Adds a node; its id must follow the last node's.
    pub fn node(&mut self, node: Node) -> Result<()> {
        let (core, details) = details::split_node(node);
        self.push_node(&core.id, &core.title, details)
    }

    /// Adds a node that has only an id and a title (no note, date or citation).
    pub fn plain_node(&mut self, id: &Id, title: &str) -> Result<()> {
        self.push_node(id, title, None)
    }

    fn push_node(&mut self, id: &Id, title: &str, details: Option<NodeDetails>) -> Result<()> {
        if !self.from.is_empty() || !self.pending.from.is_empty() {
            return Err(Error::Database(format!(
                "node `{id}` came after edges: nodes come first"
            )));
        }
        let base = &mut self.base;
        if let Some(last) = base.ids.last() {
            if last >= id.as_str() {
                return Err(Error::Database(format!(
                    "nodes must come in increasing id order: `{id}` came after `{last}`"
                )));
            }
        }
        let n = u32::try_from(base.ids.len()).map_err(|_| too_large())?;
        base.ids.push(id.as_str())?;
        base.titles.push(title)?;
        base.kinds.push(id.kind());
        let ids = &base.ids;
        base.index
            .insert_unique(hash_id(id.as_str()), n, |&m| hash_id(ids.get(m as usize)));
        let ix = NodeIx(NodeIndex::new(n as usize));
        base.by_id.push(ix);
        if let Some(details) = details {
            base.node_details.insert(ix, details);
        }
        Ok(())
    }

    /// Adds an edge between two nodes added before.
    pub fn edge(&mut self, edge: Edge) -> Result<()> {
        let (from, kind, to) = (edge.from.clone(), edge.kind, edge.to.clone());
        self.push_edge(&from, kind, &to, details::edge_details(edge))
    }

    /// Adds an edge that has no note, validity or citation.
    pub fn plain_edge(&mut self, from: &Id, kind: EdgeKind, to: &Id) -> Result<()> {
        self.push_edge(from, kind, to, None)
    }

    fn push_edge(
        &mut self,
        from: &Id,
        kind: EdgeKind,
        to: &Id,
        details: Option<EdgeDetails>,
    ) -> Result<()> {
        // Edges mostly come grouped by source and in source order (the store reads them so),
        // and nodes are numbered in id order: the last source and the few nodes after it are
        // checked before the id map (a hash lookup at 3M nodes is several cache misses; the
        // next ids sit next to the last one).
        let last = self.pending.from.last().or(self.from.last()).copied();
        let ids = &self.base.ids;
        let near = last.and_then(|n| {
            (n as usize..ids.len().min(n as usize + SOURCE_STEPS))
                .find(|&m| ids.get(m) == from.as_str())
        });
        let source = match near {
            Some(m) => Some(NodeIx(NodeIndex::new(m))),
            None => self.base.lookup(from),
        };
        let Some(source) = source else {
            return Err(dangling(from, kind, to.as_str()));
        };
        let pending = &mut self.pending;
        if let Some(details) = details {
            pending.details.push((pending.from.len(), details));
        }
        pending.from.push(source.0.index() as u32);
        pending.kinds.push(kind);
        pending.to.push(to.as_str())?;
        if pending.from.len() == BATCH {
            self.resolve()?;
        }
        Ok(())
    }

    /// Looks up the targets of the pending edges and takes the edges in.
    fn resolve(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let targets: Vec<Option<NodeIx>> = (0..pending.to.len())
            .map(|i| self.base.lookup(Id::trusted(pending.to.get(i))))
            .collect();
        let mut details = pending.details.into_iter().peekable();
        for (i, target) in targets.into_iter().enumerate() {
            let from = pending.from[i];
            let Some(target) = target else {
                let source = self.base.id(NodeIx(NodeIndex::new(from as usize)));
                return Err(dangling(source, pending.kinds[i], pending.to.get(i)));
            };
            let at = u32::try_from(self.from.len()).map_err(|_| too_large())?;
            self.from.push(from);
            self.to.push(target.0.index() as u32);
            self.kinds.push(pending.kinds[i]);
            if let Some((_, d)) = details.next_if(|(of, _)| *of == i) {
                self.edge_details.push((at, d));
            }
        }
        Ok(())
    }

    /// Records that `document` has a stored source text at `path`.
    pub fn text(&mut self, document: NodeId, path: String) {
        self.base.texts.insert(document, path);
    }

    /// The snapshot. Debug builds also check every invariant (see [`Graph::verify`]).
    pub fn finish(mut self) -> Result<Graph> {
        self.resolve()?;
        let Builder {
            mut base,
            from,
            to,
            kinds,
            edge_details,
            pending: _,
        } = self;
        let started = std::time::Instant::now();
        let nodes = base.ids.len();
        base.ids.shrink_to_fit();
        base.titles.shrink_to_fit();
        base.kinds.shrink_to_fit();
        base.by_id.shrink_to_fit();
        base.kind_ranges = kind_ranges(&base);

        // Outgoing rows: a stable counting sort of the edges by source.
        let mut start = vec![0u32; nodes + 1];
        for &f in &from {
            start[f as usize + 1] += 1;
        }
        for i in 0..nodes {
            start[i + 1] += start[i];
        }
        let (other, edge_kinds, numbers) = if from.is_sorted() {
            (to, kinds, None)
        } else {
            let mut next = start.clone();
            let mut numbers = vec![0u32; from.len()];
            let mut other = vec![0u32; from.len()];
            let mut sorted_kinds = kinds.clone();
            for (i, &f) in from.iter().enumerate() {
                let at = next[f as usize];
                next[f as usize] += 1;
                numbers[i] = at;
                other[at as usize] = to[i];
                sorted_kinds[at as usize] = kinds[i];
            }
            (other, sorted_kinds, Some(numbers))
        };
        drop(from);
        base.out = Csr {
            start,
            other,
            edge: None,
        };
        base.edge_kinds = edge_kinds;
        base.inc = reverse(&base.out, nodes);

        for (at, details) in edge_details {
            let number = numbers.as_ref().map_or(at, |n| n[at as usize]);
            let e = EdgeIx(EdgeIndex::new(number as usize));
            if details.valid_from.is_some() || details.valid_to.is_some() {
                base.dated.push(e);
                let (a, b) = base.ends(e);
                let ends = if a == b { &[a][..] } else { &[a, b][..] };
                for &end in ends {
                    base.dated_at.entry(end).or_default().push(e);
                }
            }
            base.edge_details.insert(e, details);
        }
        base.dated.sort_unstable();
        base.dated_at.values_mut().for_each(|v| v.sort_unstable());
        base.node_details.shrink_to_fit();
        base.edge_details.shrink_to_fit();
        let laid_out = started.elapsed();
        // What the store can get wrong (order, duplicates, dangling ends) was refused as it
        // came in; the rest holds by construction. The full check costs 0.86-0.90 s at 10m
        // edges (of an 8 s start), so only debug builds (every test) run it here.
        if cfg!(debug_assertions) {
            base.verify()?;
        }
        tracing::debug!(?laid_out, verified = ?started.elapsed() - laid_out, "base built");
        Ok(Graph::from_base(Arc::new(base)))
    }
}

/// The runs of one kind in the id order (one per kind: the kind is the id's prefix).
fn kind_ranges(base: &Base) -> Vec<(crate::model::NodeKind, std::ops::Range<usize>)> {
    let mut ranges: Vec<(crate::model::NodeKind, std::ops::Range<usize>)> = Vec::new();
    for (i, &kind) in base.kinds.iter().enumerate() {
        match ranges.last_mut() {
            Some((k, range)) if *k == kind => range.end = i + 1,
            _ => ranges.push((kind, i..i + 1)),
        }
    }
    ranges
}

/// The incoming rows of the edges in `out`: by target, then source, then edge number.
fn reverse(out: &Csr, nodes: usize) -> Csr {
    let mut start = vec![0u32; nodes + 1];
    for &t in &out.other {
        start[t as usize + 1] += 1;
    }
    for i in 0..nodes {
        start[i + 1] += start[i];
    }
    let mut next = start.clone();
    let mut sources = vec![0u32; out.other.len()];
    let mut numbers = vec![0u32; out.other.len()];
    for source in 0..nodes {
        for e in out.start[source]..out.start[source + 1] {
            let target = out.other[e as usize] as usize;
            let at = next[target] as usize;
            next[target] += 1;
            sources[at] = source as u32;
            numbers[at] = e;
        }
    }
    Csr {
        start,
        other: sources,
        edge: Some(numbers),
    }
}

impl Graph {
    /// Builds a snapshot from values; fails if an edge names a node that does not exist.
    pub fn build(contents: Contents) -> Result<Graph> {
        let Contents {
            mut nodes,
            edges,
            texts,
        } = contents;
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut builder = Builder::with_capacity(nodes.len(), edges.len());
        for node in nodes {
            builder.node(node)?;
        }
        for edge in edges {
            builder.edge(edge)?;
        }
        for (document, path) in texts {
            builder.text(document, path);
        }
        builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Way;

    fn id(text: &str) -> &Id {
        Id::parse(text).expect("id")
    }

    fn graph_of(nodes: &[&str], edges: &[(&str, EdgeKind, &str)]) -> Result<Graph> {
        let mut builder = Builder::with_capacity(0, 0);
        for n in nodes {
            builder.plain_node(id(n), n)?;
        }
        for (from, kind, to) in edges {
            builder.plain_edge(id(from), *kind, id(to))?;
        }
        builder.finish()
    }

    fn neighbours(graph: &Graph, node: &str, way: Way) -> Vec<String> {
        let ix = graph.lookup(node).expect("node");
        graph
            .edges(ix, way)
            .map(|(_, other)| graph.get(other).id.to_string())
            .collect()
    }

    #[test]
    fn edges_in_any_order_are_laid_out_by_source_in_the_order_they_came() {
        let nodes = ["goal:a", "goal:b", "goal:c", "programme:p"];
        let edges = [
            ("programme:p", EdgeKind::Implements, "goal:c"),
            ("goal:b", EdgeKind::PartOf, "goal:a"),
            ("programme:p", EdgeKind::Implements, "goal:a"),
            ("goal:c", EdgeKind::PartOf, "goal:a"),
        ];
        let graph = graph_of(&nodes, &edges).expect("builds");
        graph.verify().expect("invariants");
        assert_eq!(
            neighbours(&graph, "programme:p", Way::Outgoing),
            ["goal:c", "goal:a"]
        );
        assert_eq!(
            neighbours(&graph, "goal:a", Way::Incoming),
            ["goal:b", "goal:c", "programme:p"]
        );
        assert!(neighbours(&graph, "goal:a", Way::Outgoing).is_empty());
        for e in graph.all_edges() {
            let (from, to) = graph.ends(e.ix());
            assert_eq!((graph.get(from).id, graph.get(to).id), (e.from, e.to));
        }
    }

    #[test]
    fn each_edge_finds_its_source_near_the_last_one_far_after_it_or_before_it() {
        // Sixteen goals; sources next to the last one, further than the steps checked near
        // it, back before it, and an unknown one.
        let nodes: Vec<String> = (0..16).map(|i| format!("goal:n{i:02}")).collect();
        let names: Vec<&str> = nodes.iter().map(String::as_str).collect();
        let edges = [
            ("goal:n00", EdgeKind::PartOf, "goal:n15"),
            ("goal:n01", EdgeKind::PartOf, "goal:n15"),
            ("goal:n03", EdgeKind::PartOf, "goal:n15"),
            ("goal:n14", EdgeKind::PartOf, "goal:n15"),
            ("goal:n02", EdgeKind::PartOf, "goal:n15"),
        ];
        let graph = graph_of(&names, &edges).expect("builds");
        graph.verify().expect("invariants");
        assert_eq!(
            neighbours(&graph, "goal:n15", Way::Incoming),
            ["goal:n00", "goal:n01", "goal:n02", "goal:n03", "goal:n14"]
        );
        let unknown = graph_of(&names, &[("goal:n99", EdgeKind::PartOf, "goal:n00")])
            .expect_err("unknown source");
        assert!(unknown.to_string().contains("goal:n99"), "{unknown}");
    }

    #[test]
    fn the_nodes_of_a_kind_are_listed_from_their_range_of_the_id_order() {
        let graph = graph_of(&["body:x", "goal:a", "goal:b", "state:s"], &[]).expect("builds");
        let goals: Vec<String> = graph
            .nodes(Some(crate::model::NodeKind::Goal))
            .iter()
            .map(|&ix| graph.get(ix).id.to_string())
            .collect();
        assert_eq!(goals, ["goal:a", "goal:b"]);
        assert!(
            graph
                .nodes(Some(crate::model::NodeKind::Measure))
                .is_empty()
        );
        assert_eq!(graph.nodes(None).len(), 4);
    }

    #[test]
    fn nodes_out_of_order_or_after_edges_are_refused() {
        let unordered = graph_of(&["goal:b", "goal:a"], &[]).expect_err("unordered");
        assert!(
            unordered.to_string().contains("increasing id order"),
            "{unordered}"
        );
        let repeated = graph_of(&["goal:a", "goal:a"], &[]).expect_err("repeated");
        assert!(
            repeated.to_string().contains("increasing id order"),
            "{repeated}"
        );

        let mut builder = Builder::with_capacity(0, 0);
        builder.plain_node(id("goal:a"), "a").expect("node");
        builder
            .plain_edge(id("goal:a"), EdgeKind::DependsOn, id("goal:a"))
            .expect("edge");
        let late = builder.plain_node(id("goal:b"), "b").expect_err("late");
        assert!(late.to_string().contains("nodes come first"), "{late}");
    }

    #[test]
    fn an_edge_to_a_missing_node_is_named_whichever_end_is_missing() {
        let to = graph_of(&["goal:a"], &[("goal:a", EdgeKind::PartOf, "goal:gone")])
            .expect_err("missing target");
        assert!(to.to_string().contains("goal:a/PART_OF/goal:gone"), "{to}");
        let from = graph_of(&["goal:a"], &[("goal:gone", EdgeKind::PartOf, "goal:a")])
            .expect_err("missing source");
        assert!(
            from.to_string().contains("goal:gone/PART_OF/goal:a"),
            "{from}"
        );
    }

    #[test]
    fn more_edges_than_one_batch_all_arrive() {
        let names: Vec<String> = (0..50).map(|i| format!("goal:g{i:02}")).collect();
        let nodes: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut edges = Vec::new();
        for a in &nodes {
            for b in &nodes {
                if a < b {
                    edges.push((*b, EdgeKind::DependsOn, *a));
                }
            }
        }
        assert!(edges.len() > BATCH);
        let graph = graph_of(&nodes, &edges).expect("builds");
        assert_eq!(graph.edge_count(), edges.len());
        assert_eq!(neighbours(&graph, "goal:g00", Way::Incoming).len(), 49);
        assert_eq!(neighbours(&graph, "goal:g49", Way::Outgoing).len(), 49);
    }
}
