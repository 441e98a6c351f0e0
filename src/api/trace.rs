//! Result types of the traceability queries (`implementers`, `path`, `paths`, `dependencies`):
//! each step carries its edge, so every answer shows the quotes behind it.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result};

use super::types::{Citation, Edge, EdgeKind, Node};
use super::window::Window;
use crate::graph::traverse::{self, Implementer as RawImplementer};
use crate::graph::{Graph, NodeIx};

/// Which way a step followed its edge.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDirection {
    /// From the edge's source to its target, as the sentence reads.
    Forward,
    /// Against the edge's direction.
    Backward,
}

/// Which way `dependencies` walks.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DependencyDirection {
    /// What the node relies on or contributes to: follow edges from source to target.
    Upstream,
    /// What relies on or contributes to the node: follow edges against their direction.
    Downstream,
    /// Both.
    Both,
}

/// One step of a walk: the edge, which way it was taken, and the nodes on either side.
pub struct Step {
    graph: Arc<Graph>,
    step: traverse::Step,
}

impl Step {
    fn ends(&self) -> (NodeIx, NodeIx) {
        let (source, target) = self.graph.ends(self.step.edge);
        if self.step.forward {
            (source, target)
        } else {
            (target, source)
        }
    }
}

#[Object]
impl Step {
    /// The node the step leaves.
    async fn from(&self) -> Node {
        Node::new(self.graph.clone(), self.ends().0)
    }

    /// The node the step arrives at.
    async fn to(&self) -> Node {
        Node::new(self.graph.clone(), self.ends().1)
    }

    /// The kind of the edge taken.
    async fn kind(&self) -> EdgeKind {
        self.graph.edge_kind(self.step.edge).into()
    }

    /// Whether the edge was followed as it reads or against it.
    async fn direction(&self) -> StepDirection {
        if self.step.forward {
            StepDirection::Forward
        } else {
            StepDirection::Backward
        }
    }

    /// The edge taken.
    async fn edge(&self) -> Edge {
        Edge::new(self.graph.clone(), self.step.edge)
    }

    /// The quotes that state the edge taken.
    async fn citations(&self) -> Vec<Citation> {
        Citation::list(&self.graph, self.graph.edge(self.step.edge).citations())
    }
}

/// A walk between two nodes.
pub struct Path {
    graph: Arc<Graph>,
    start: NodeIx,
    steps: Vec<traverse::Step>,
}

impl Path {
    /// Wraps a walk from `start`.
    pub fn new(graph: Arc<Graph>, start: NodeIx, steps: Vec<traverse::Step>) -> Path {
        Path {
            graph,
            start,
            steps,
        }
    }
}

#[Object]
impl Path {
    /// Number of edges.
    async fn length(&self) -> usize {
        self.steps.len()
    }

    /// The nodes along the walk, both ends included.
    async fn nodes(&self) -> Vec<Node> {
        let mut at = self.start;
        let mut out = vec![Node::new(self.graph.clone(), at)];
        for step in &self.steps {
            let (source, target) = self.graph.ends(step.edge);
            at = if source == at { target } else { source };
            out.push(Node::new(self.graph.clone(), at));
        }
        out
    }

    /// The steps, in order, each with its edge and citations.
    async fn steps(&self) -> Vec<Step> {
        self.steps
            .iter()
            .map(|&step| Step {
                graph: self.graph.clone(),
                step,
            })
            .collect()
    }
}

/// A programme or measure implementing a goal, and the evidence chain that links them.
pub struct Implementer {
    graph: Arc<Graph>,
    raw: RawImplementer,
}

impl Implementer {
    /// Wraps a found implementer.
    pub fn new(graph: Arc<Graph>, raw: RawImplementer) -> Implementer {
        Implementer { graph, raw }
    }
}

#[Object]
impl Implementer {
    /// The programme or measure.
    async fn node(&self) -> Node {
        Node::new(self.graph.clone(), self.raw.node)
    }

    /// Number of edges between it and the goal (1 = implements the goal directly).
    async fn depth(&self) -> usize {
        self.raw.chain.len()
    }

    /// The edges from the implementer to the goal: IMPLEMENTS, then PART_OF / DEPENDS_ON up to
    /// the goal asked about, each with its citations.
    async fn chain(&self) -> Vec<Edge> {
        self.raw
            .chain
            .iter()
            .map(|&e| Edge::new(self.graph.clone(), e))
            .collect()
    }
}

/// A node of a dependency closure and its distance from the start.
pub struct Dependency {
    graph: Arc<Graph>,
    node: NodeIx,
    depth: usize,
}

impl Dependency {
    /// Wraps a closure member.
    pub fn new(graph: Arc<Graph>, node: NodeIx, depth: usize) -> Dependency {
        Dependency { graph, node, depth }
    }
}

#[Object]
impl Dependency {
    /// The node reached.
    async fn node(&self) -> Node {
        Node::new(self.graph.clone(), self.node)
    }

    /// Number of edges from the start.
    async fn depth(&self) -> usize {
        self.depth
    }
}

/// What a timeline entry records.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::graph::timeline::EntryKind")]
pub enum TimelineKind {
    /// A summit or meeting took place (`related`: what was adopted there).
    Summit,
    /// A document or programme was issued, signed or adopted on its own date.
    Dated,
    /// A time span starts (`related`: the programmes covering it).
    SpanStarts,
    /// A time span ends (`related`: the programmes covering it).
    SpanEnds,
    /// A time span runs through the whole period (`related`: the programmes covering it).
    SpanRuns,
    /// A dated relation starts holding (`node`: its source, `related`: its target, `edge`:
    /// the relation), e.g. a chairmanship begins.
    RelationStarts,
    /// A dated relation stops holding (`node`, `related` and `edge` as for RELATION_STARTS).
    RelationEnds,
    /// A dated relation holds through the whole period without starting or ending in it.
    RelationHolds,
}

/// One entry of a timeline.
pub struct TimelineEntry {
    graph: Arc<Graph>,
    entry: crate::graph::timeline::Entry,
}

impl TimelineEntry {
    /// Wraps an entry.
    pub fn new(graph: Arc<Graph>, entry: crate::graph::timeline::Entry) -> TimelineEntry {
        TimelineEntry { graph, entry }
    }
}

#[Object]
impl TimelineEntry {
    /// When, at the precision the source gives; null for a span with an open start.
    async fn date(&self) -> Option<String> {
        self.entry.date.map(|d| d.to_string())
    }

    /// What happened.
    async fn kind(&self) -> TimelineKind {
        self.entry.kind.into()
    }

    /// The summit, dated node, time span, or the source of a dated relation.
    async fn node(&self) -> Node {
        Node::new(self.graph.clone(), self.entry.node)
    }

    /// What was adopted at a summit, the programmes covering a span, or the target of a
    /// dated relation; in id order. A span of a large graph is covered by thousands: take
    /// the first few with `first`, and `relatedCount` for how many there are (the lists of
    /// one answer hold twice the list cap in all, 20 000 by default).
    #[graphql(complexity = "first.map_or(20, |f| f.max(0) as usize) * child_complexity")]
    async fn related(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list."
        )]
        offset: Option<i32>,
    ) -> Result<Vec<Node>> {
        let window = Window::new(ctx, first, offset)?;
        let enough = self.entry.related.iter().copied().take(window.enough());
        Ok(window
            .apply(enough.collect(), "the related nodes")?
            .into_iter()
            .map(|ix| Node::new(self.graph.clone(), ix))
            .collect())
    }

    /// How many nodes `related` lists in all.
    async fn related_count(&self) -> usize {
        self.entry.related.len()
    }

    /// The dated relation of a RELATION_* entry, with its validity and quotes; null otherwise.
    async fn edge(&self) -> Option<Edge> {
        self.entry.edge.map(|ix| Edge::new(self.graph.clone(), ix))
    }
}
