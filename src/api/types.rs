//! GraphQL object types: one per node kind behind the `Node` interface, plus edges, citations
//! and the enums. Each object is a handle into one graph snapshot, so a whole query reads one
//! consistent version of the graph.

use std::sync::Arc;

use async_graphql::{Enum, ID, Interface, Object};

use crate::graph::traverse;
use crate::graph::{EdgeIx, EdgeView, Graph, NodeIx, NodeView, Way};
use crate::model;

/// What a node is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::NodeKind")]
pub enum NodeKind {
    /// A source text or a document it names (resolution, statement, treaty, concept, ...).
    Document,
    /// A summit or meeting with a date.
    Summit,
    /// A programme, plan, concept, strategy, agreement, thematic year or named initiative.
    Programme,
    /// An objective or priority; goals nest through PART_OF.
    Goal,
    /// A concrete action under a goal or programme.
    Measure,
    /// A period with a start and an end; either may be open.
    TimeSpan,
    /// A council, committee or organisation.
    Body,
    /// A state.
    State,
}

/// How two nodes relate; an edge reads as a sentence from source (`from`) to target (`to`).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::model::EdgeKind")]
pub enum EdgeKind {
    /// Programme or measure IMPLEMENTS goal.
    Implements,
    /// Measure PART_OF programme; goal PART_OF goal (sub-goal).
    PartOf,
    /// X DEPENDS_ON Y.
    DependsOn,
    /// Document SETS goal.
    Sets,
    /// X ADOPTED_AT summit.
    AdoptedAt,
    /// X COVERS time span.
    Covers,
    /// Document ISSUED_BY body or state.
    IssuedBy,
    /// State or body ATTENDED summit.
    Attended,
    /// Summit or body CHAIRED_BY state; a body's chairmanship is dated by the edge's
    /// `validFrom` / `validTo`.
    ChairedBy,
    /// Document REFERENCES X.
    References,
    /// Programme SUPERSEDES programme: from its adoption, the superseded one is no longer in
    /// force (`asOf` drops it).
    Supersedes,
    /// Summit MEETING_OF body: the body whose session the summit is.
    MeetingOf,
    /// Document or programme AMENDS document or programme, which stays in force as amended.
    Amends,
    /// X BASED_ON document or programme: X is carried out on its basis or in accordance with
    /// it.
    BasedOn,
}

/// Which edges of a node to list.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum EdgeDirection {
    /// Edges that start at the node.
    Outgoing,
    /// Edges that end at the node.
    Incoming,
    /// Both.
    #[default]
    Both,
}

/// A node of one snapshot: the shared part of every object type.
#[derive(Clone)]
pub struct NodeRef {
    graph: Arc<Graph>,
    ix: NodeIx,
}

impl NodeRef {
    fn node(&self) -> NodeView<'_> {
        self.graph.get(self.ix)
    }

    fn citations(&self) -> Vec<Citation> {
        Citation::list(&self.graph, self.node().citations())
    }

    /// The citations of other entities that quote this node's text, by position in it.
    fn quotations(&self) -> Vec<Quotation> {
        let document = self.node().id;
        let mut out: Vec<Quotation> = Vec::new();
        let mut add = |backs: Backs, citations: &[model::Citation]| {
            for c in citations.iter().filter(|c| c.document == document) {
                out.push(Quotation {
                    citation: Citation {
                        graph: self.graph.clone(),
                        citation: c.clone(),
                    },
                    backs: backs.clone(),
                });
            }
        };
        for ix in self.graph.cited_nodes() {
            add(Backs::Node(ix), self.graph.get(ix).citations());
        }
        for e in self.graph.cited_edges() {
            add(Backs::Edge(e), self.graph.edge(e).citations());
        }
        out.sort_by_key(|q| (q.citation.citation.start, q.citation.citation.end));
        out
    }

    /// The node's edges in `direction`, of `kinds` (all when `None`): outgoing ones first.
    fn matching<'a>(
        &'a self,
        direction: EdgeDirection,
        kinds: Option<&'a [EdgeKind]>,
    ) -> impl Iterator<Item = EdgeIx> + 'a {
        let ways: &[Way] = match direction {
            EdgeDirection::Outgoing => &[Way::Outgoing],
            EdgeDirection::Incoming => &[Way::Incoming],
            EdgeDirection::Both => &[Way::Outgoing, Way::Incoming],
        };
        let wanted = move |k: model::EdgeKind| {
            kinds.is_none_or(|ks| ks.iter().any(|w| model::EdgeKind::from(*w) == k))
        };
        ways.iter()
            .flat_map(|&way| self.graph.edges(self.ix, way))
            .filter(move |&(e, _)| wanted(self.graph.edge_kind(e)))
            .map(|(e, _)| e)
    }

    fn edges(
        &self,
        direction: EdgeDirection,
        kinds: Option<&[EdgeKind]>,
        window: super::window::Window,
    ) -> async_graphql::Result<Vec<Edge>> {
        let found: Vec<EdgeIx> = self
            .matching(direction, kinds)
            .take(window.enough())
            .collect();
        Ok(window
            .apply(found, "the node's edges")?
            .into_iter()
            .map(|e| Edge::new(self.graph.clone(), e))
            .collect())
    }

    /// Nodes at the other end of edges of `kind` in direction `way`, ordered by id; more than
    /// the server's list cap is refused (`edges(kinds: [...], first, offset)` pages them).
    fn neighbours(
        &self,
        ctx: &async_graphql::Context<'_>,
        way: Way,
        kind: model::EdgeKind,
    ) -> async_graphql::Result<Vec<Node>> {
        let found: Vec<NodeIx> = self
            .graph
            .edges(self.ix, way)
            .filter(|&(e, _)| self.graph.edge_kind(e) == kind)
            .map(|(_, other)| other)
            .collect();
        let what = format!("the node's {kind} neighbours (page them with `edges`)");
        let mut out = super::window::Window::new(ctx, None, None)?.apply(found, &what)?;
        self.graph.sort_by_id(&mut out);
        Ok(out
            .into_iter()
            .map(|ix| Node::new(self.graph.clone(), ix))
            .collect())
    }
}

/// Generates an object type for one node kind: the `Node` interface fields plus its own.
macro_rules! node_object {
    ($(#[$doc:meta])* $name:ident { $($extra:tt)* }) => {
        $(#[$doc])*
        pub struct $name(NodeRef);

        #[Object]
        impl $name {
            /// Stable id, `<kind>:<slug>`; never changes when the title does.
            async fn id(&self) -> ID {
                ID(self.0.node().id.to_string())
            }

            /// What the node is.
            async fn kind(&self) -> NodeKind {
                self.0.node().kind().into()
            }

            /// Name as the sources give it.
            async fn title(&self) -> String {
                self.0.node().title.to_owned()
            }

            /// Curator's remark, e.g. an ambiguity in the sources.
            async fn note(&self) -> Option<String> {
                self.0.node().note().map(str::to_owned)
            }

            /// The verbatim quotes that back this node; never empty.
            async fn citations(&self) -> Vec<Citation> {
                self.0.citations()
            }

            /// The node's edges, each with its own citations: outgoing ones first, each way in
            /// the order they were added. A hub's edges come a window at a time.
            async fn edges(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(default, desc = "Which edges: outgoing, incoming or both.")]
                direction: EdgeDirection,
                #[graphql(desc = "Only edges of these kinds (all when omitted).")]
                kinds: Option<Vec<EdgeKind>>,
                #[graphql(desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED.")]
                first: Option<i32>,
                #[graphql(desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list.")]
                offset: Option<i32>,
            ) -> async_graphql::Result<Vec<Edge>> {
                let window = super::window::Window::new(ctx, first, offset)?;
                self.0.edges(direction, kinds.as_deref(), window)
            }

            /// How many edges `edges` lists with the same `direction` and `kinds`, over all
            /// its windows: what a page shows beside the first few of a hub's thousands.
            async fn edge_count(
                &self,
                #[graphql(default, desc = "Which edges: outgoing, incoming or both.")]
                direction: EdgeDirection,
                #[graphql(desc = "Only edges of these kinds (all when omitted).")]
                kinds: Option<Vec<EdgeKind>>,
            ) -> usize {
                self.0.matching(direction, kinds.as_deref()).count()
            }

            /// Every recorded change to this node, oldest first (the audit trail). A node
            /// from a large import has no entry for its creation: `changes` lists the import
            /// as one `IMPORT` entry.
            async fn history(
                &self,
                ctx: &async_graphql::Context<'_>,
                #[graphql(desc = "At most this many entries: 50 when omitted; above the server's cap is refused.")]
                first: Option<i32>,
            ) -> async_graphql::Result<Vec<super::audit::Change>> {
                super::audit::history(ctx, self.0.node().id.as_str(), first).await
            }

            $($extra)*
        }
    };
}

node_object! {
    /// A source text, or a document (resolution, statement, treaty, concept, ...) a text names.
    Document {
        /// Date of issue or adoption, at the precision the source gives (YYYY, YYYY-MM or YYYY-MM-DD).
        async fn date(&self) -> Option<String> {
            self.0.node().date().map(|d| d.to_string())
        }

        /// True when the full text of this document is stored, so it can be quoted.
        async fn has_source_text(&self) -> bool {
            self.0.graph.source_path(self.0.node().id).is_some()
        }

        /// Where the stored text came from, relative to the seeds directory.
        async fn source_path(&self) -> Option<String> {
            self.0.graph.source_path(self.0.node().id).map(str::to_owned)
        }

        /// The stored text itself, byte for byte (what every citation's offsets count into);
        /// null when no text is stored.
        async fn source_text(
            &self,
            ctx: &async_graphql::Context<'_>,
        ) -> async_graphql::Result<Option<String>> {
            if self.0.graph.source_path(self.0.node().id).is_none() {
                return Ok(None);
            }
            let store = ctx
                .data::<crate::store::Store>()
                .map_err(|e| super::errors::internal(e.message))?;
            crate::store::read_text(store, self.0.node().id.as_str())
                .await
                .map_err(super::errors::internal)
        }

        /// Every citation that quotes this text, with the node or edge it backs, in the order
        /// the passages stand in the text: what a reader of the source needs to see which
        /// passage supports what.
        async fn quotations(&self) -> Vec<Quotation> {
            self.0.quotations()
        }

        /// The summits at which this document was adopted or signed.
        async fn adopted_at(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::AdoptedAt)
        }

        /// The goals this document sets (outgoing SETS).
        async fn sets(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::Sets)
        }

        /// Who issued or signed it (outgoing ISSUED_BY).
        async fn issued_by(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::IssuedBy)
        }

        /// What it refers to (outgoing REFERENCES).
        async fn references(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::References)
        }
    }
}

node_object! {
    /// A summit or meeting.
    Summit {
        /// Date of the meeting, at the precision the source gives.
        async fn date(&self) -> Option<String> {
            self.0.node().date().map(|d| d.to_string())
        }

        /// Where it took place, as the source says.
        async fn place(&self) -> Option<String> {
            self.0.node().place().map(str::to_owned)
        }

        /// How it was held (in person, videoconference, informal, ...).
        async fn format(&self) -> Option<String> {
            self.0.node().format().map(str::to_owned)
        }

        /// States and bodies that took part (incoming ATTENDED).
        async fn participants(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Incoming, model::EdgeKind::Attended)
        }

        /// Who chaired it (outgoing CHAIRED_BY).
        async fn chaired_by(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::ChairedBy)
        }

        /// Documents and programmes adopted or signed there (incoming ADOPTED_AT).
        async fn adopted(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Incoming, model::EdgeKind::AdoptedAt)
        }
    }
}

node_object! {
    /// A programme, plan, concept, strategy, agreement, declared thematic year or named initiative.
    Programme {
        /// Date of adoption or signature, at the precision the source gives.
        async fn date(&self) -> Option<String> {
            self.0.node().date().map(|d| d.to_string())
        }

        /// The time spans it covers (outgoing COVERS).
        async fn span(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::Covers)
        }

        /// The summits at which it was adopted (outgoing ADOPTED_AT).
        async fn adopted_at(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::AdoptedAt)
        }

        /// The goals it implements (outgoing IMPLEMENTS).
        async fn implements(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::Implements)
        }
    }
}

node_object! {
    /// An objective or priority. Sub-goals point at their parent with PART_OF.
    Goal {
        /// Programmes and measures implementing this goal, each with its evidence chain: the
        /// same answer as the root `implementers(goal:)` field.
        async fn implementers(
            &self,
            ctx: &async_graphql::Context<'_>,
            #[graphql(default = true, desc = "Include implementers of sub-goals and dependencies.")]
            transitive: bool,
        ) -> async_graphql::Result<Vec<super::trace::Implementer>> {
            let (graph, ix) = (self.0.graph.clone(), self.0.ix);
            let found = super::work::run(ctx, move |budget| {
                traverse::implementers(&graph, ix, transitive, budget)
            })
            .await?;
            Ok(super::window::Window::new(ctx, None, None)?
                .apply(found, "the goal's implementers (page them with the root `implementers`)")?
                .into_iter()
                .map(|raw| super::trace::Implementer::new(self.0.graph.clone(), raw))
                .collect())
        }

        /// Goals this goal is part of (outgoing PART_OF).
        async fn parents(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::PartOf)
        }

        /// Documents that set this goal (incoming SETS).
        async fn set_by(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Incoming, model::EdgeKind::Sets)
        }

        /// Goals that are part of this one (incoming PART_OF).
        async fn sub_goals(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Incoming, model::EdgeKind::PartOf)
        }
    }
}

node_object! {
    /// A concrete action stated under a goal or programme.
    Measure {
        /// Date, at the precision the source gives.
        async fn date(&self) -> Option<String> {
            self.0.node().date().map(|d| d.to_string())
        }

        /// The goals it implements (outgoing IMPLEMENTS).
        async fn implements(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::Implements)
        }

        /// The programmes it is part of (outgoing PART_OF).
        async fn part_of(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::PartOf)
        }
    }
}

node_object! {
    /// A period. Either end may be open (null).
    TimeSpan {
        /// First year, month or day of the period, at the precision the source gives.
        async fn start(&self) -> Option<String> {
            self.0.node().start().map(|d| d.to_string())
        }

        /// Last year, month or day of the period, at the precision the source gives.
        async fn end(&self) -> Option<String> {
            self.0.node().end().map(|d| d.to_string())
        }
    }
}

node_object! {
    /// A council, committee or organisation.
    Body {}
}

node_object! {
    /// A state.
    State {
        /// Summits this state took part in (outgoing ATTENDED).
        async fn attended(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<Vec<Node>> {
            self.0.neighbours(ctx, Way::Outgoing, model::EdgeKind::Attended)
        }
    }
}

/// Anything in the graph: documents, summits, programmes, goals, measures, time spans, bodies, states.
// Clippy reads the interface's repeated `arg(name, ty)` pairs as duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface)]
#[graphql(
    field(name = "id", ty = "ID", desc = "Stable id, `<kind>:<slug>`."),
    field(name = "kind", ty = "NodeKind", desc = "What the node is."),
    field(name = "title", ty = "String", desc = "Name as the sources give it."),
    field(
        name = "note",
        ty = "Option<String>",
        desc = "Curator's remark, e.g. an ambiguity."
    ),
    field(
        name = "citations",
        ty = "Vec<Citation>",
        desc = "Verbatim quotes backing the node."
    ),
    field(
        name = "edges",
        ty = "Vec<Edge>",
        desc = "The node's edges, each with its own citations.",
        arg(name = "direction", ty = "EdgeDirection", default),
        arg(name = "kinds", ty = "Option<Vec<EdgeKind>>"),
        arg(name = "first", ty = "Option<i32>"),
        arg(name = "offset", ty = "Option<i32>")
    ),
    field(
        name = "edge_count",
        ty = "usize",
        desc = "How many edges `edges` lists with the same `direction` and `kinds`, over all its windows.",
        arg(name = "direction", ty = "EdgeDirection", default),
        arg(name = "kinds", ty = "Option<Vec<EdgeKind>>")
    ),
    field(
        name = "history",
        ty = "Vec<super::audit::Change>",
        desc = "Every recorded change to this node, oldest first (the audit trail). A node from a large import has no entry for its creation: `changes` lists the import as one `IMPORT` entry.",
        arg(name = "first", ty = "Option<i32>")
    )
)]
pub enum Node {
    /// A document.
    Document(Document),
    /// A summit.
    Summit(Summit),
    /// A programme.
    Programme(Programme),
    /// A goal.
    Goal(Goal),
    /// A measure.
    Measure(Measure),
    /// A time span.
    TimeSpan(TimeSpan),
    /// A body.
    Body(Body),
    /// A state.
    State(State),
}

impl Node {
    /// Wraps the node at `ix` in the object type of its kind.
    pub fn new(graph: Arc<Graph>, ix: NodeIx) -> Node {
        let kind = graph.kind(ix);
        let r = NodeRef { graph, ix };
        match kind {
            model::NodeKind::Document => Node::Document(Document(r)),
            model::NodeKind::Summit => Node::Summit(Summit(r)),
            model::NodeKind::Programme => Node::Programme(Programme(r)),
            model::NodeKind::Goal => Node::Goal(Goal(r)),
            model::NodeKind::Measure => Node::Measure(Measure(r)),
            model::NodeKind::TimeSpan => Node::TimeSpan(TimeSpan(r)),
            model::NodeKind::Body => Node::Body(Body(r)),
            model::NodeKind::State => Node::State(State(r)),
        }
    }
}

/// A directed, typed link between two nodes, with the quotes that state it.
pub struct Edge {
    graph: Arc<Graph>,
    ix: EdgeIx,
}

impl Edge {
    /// Wraps the edge at `ix`.
    pub fn new(graph: Arc<Graph>, ix: EdgeIx) -> Edge {
        Edge { graph, ix }
    }

    fn edge(&self) -> EdgeView<'_> {
        self.graph.edge(self.ix)
    }
}

#[Object]
impl Edge {
    /// Stable id: `<from>/<KIND>/<to>`.
    async fn id(&self) -> ID {
        ID(self.edge().id())
    }

    /// What the link says.
    async fn kind(&self) -> EdgeKind {
        self.edge().kind.into()
    }

    /// The source node (the subject of the sentence).
    async fn from(&self) -> Node {
        Node::new(self.graph.clone(), self.graph.ends(self.ix).0)
    }

    /// The target node (the object of the sentence).
    async fn to(&self) -> Node {
        Node::new(self.graph.clone(), self.graph.target(self.ix))
    }

    /// Curator's remark.
    async fn note(&self) -> Option<&str> {
        self.edge().note()
    }

    /// The first date the link holds on (YYYY, YYYY-MM or YYYY-MM-DD, the precision the source
    /// gives); null when it holds from the start or the sources give no start.
    async fn valid_from(&self) -> Option<String> {
        self.edge().valid_from().map(|d| d.to_string())
    }

    /// The last date the link holds on; null when it is open-ended or the sources give no end.
    async fn valid_to(&self) -> Option<String> {
        self.edge().valid_to().map(|d| d.to_string())
    }

    /// The verbatim quotes that state this link; never empty.
    async fn citations(&self) -> Vec<Citation> {
        Citation::list(&self.graph, self.edge().citations())
    }
}

/// What a quotation backs.
#[derive(Clone)]
enum Backs {
    Node(NodeIx),
    Edge(EdgeIx),
}

/// A citation of a source text, with the node or edge it backs.
pub struct Quotation {
    citation: Citation,
    backs: Backs,
}

#[Object]
impl Quotation {
    /// The quote and where it stands in the text.
    async fn citation(&self) -> &Citation {
        &self.citation
    }

    /// The node the quote backs, when it backs a node.
    async fn node(&self) -> Option<Node> {
        match self.backs {
            Backs::Node(ix) => Some(Node::new(self.citation.graph.clone(), ix)),
            Backs::Edge(_) => None,
        }
    }

    /// The edge the quote backs, when it backs an edge.
    async fn edge(&self) -> Option<Edge> {
        match self.backs {
            Backs::Edge(e) => Some(Edge::new(self.citation.graph.clone(), e)),
            Backs::Node(_) => None,
        }
    }
}

/// A verbatim quote and where it stands in its source text.
pub struct Citation {
    graph: Arc<Graph>,
    citation: model::Citation,
}

impl Citation {
    /// Wraps stored citations.
    pub fn list(graph: &Arc<Graph>, list: &[model::Citation]) -> Vec<Citation> {
        list.iter()
            .map(|c| Citation {
                graph: graph.clone(),
                citation: c.clone(),
            })
            .collect()
    }
}

#[Object]
impl Citation {
    /// The quote. It matches the source after normalising whitespace, dashes and quote marks.
    async fn quote(&self) -> &str {
        &self.citation.quote
    }

    /// The matched passage exactly as it stands in the original text (NO-BREAK SPACEs, dashes
    /// and curly quotes included).
    async fn excerpt(&self) -> &str {
        &self.citation.excerpt
    }

    /// The document the quote is taken from.
    async fn document(&self) -> Option<Document> {
        let ix = self.graph.lookup(self.citation.document.as_str())?;
        match Node::new(self.graph.clone(), ix) {
            Node::Document(d) => Some(d),
            _ => None,
        }
    }

    /// Offset of the quote's first character in the original text, counted in Unicode characters.
    async fn start_offset(&self) -> u32 {
        self.citation.start
    }

    /// Offset one past the quote's last character in the original text, in Unicode characters.
    async fn end_offset(&self) -> u32 {
        self.citation.end
    }

    /// 1-based line of the quote's start in the original text.
    async fn line(&self) -> u32 {
        self.citation.line
    }

    /// 1-based column (in characters) of the quote's start.
    async fn column(&self) -> u32 {
        self.citation.column
    }

    /// How often the quote occurs in the source; above 1 the location is the first occurrence.
    async fn occurrences(&self) -> u32 {
        self.citation.occurrences
    }
}
