//! `coverage`, `matrix` and `stats`: what a dashboard or the explorer's coverage view needs,
//! answered by the server so no client pages through the whole graph to count.

use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType, Edge as ConnectionEdge, OpaqueCursor};
use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject};

use super::errors::{Code, coded};
use super::query::NodeTotals;
use super::types::{Edge, EdgeKind, Node, NodeKind};
use super::work;
use crate::graph::coverage::{self, Cell};
use crate::graph::{Graph, NodeIx, NodePage};
use crate::model::{self, PartialDate};

/// A page of goals with their coverage.
pub type CoverageConnection = Connection<OpaqueCursor<String>, GoalCoverage, NodeTotals>;

/// A page of the traceability matrix, one row per goal.
pub type MatrixConnection = Connection<OpaqueCursor<String>, MatrixRow, NodeTotals>;

/// One page of goals ordered by id: `first` after the cursor `after`.
fn goal_page(graph: &Graph, first: usize, after: Option<String>) -> Result<NodePage> {
    let after = match after {
        None => None,
        Some(cursor) => Some(
            OpaqueCursor::<String>::decode_cursor(&cursor)
                .map_err(|_| coded(Code::BadUserInput, "`after` is not a cursor from this API"))?
                .0,
        ),
    };
    Ok(graph.node_page(Some(model::NodeKind::Goal), after.as_deref(), first))
}

/// A connection over `page`, each goal paired with what `rows` computed for it.
fn connection<T: async_graphql::OutputType>(
    graph: &Graph,
    page: &NodePage,
    rows: Vec<T>,
) -> Connection<OpaqueCursor<String>, T, NodeTotals> {
    let mut connection = Connection::with_additional_fields(
        page.has_previous,
        page.has_next,
        NodeTotals {
            total_count: page.total,
        },
    );
    connection
        .edges
        .extend(page.nodes.iter().zip(rows).map(|(&goal, row)| {
            ConnectionEdge::new(OpaqueCursor(graph.get(goal).id.to_string()), row)
        }));
    connection
}

/// Coverage of a page of goals; `active_in` also counts the implementers active that year.
pub async fn coverage(
    ctx: &Context<'_>,
    graph: Arc<Graph>,
    first: usize,
    after: Option<String>,
    active_in: Option<PartialDate>,
) -> Result<CoverageConnection> {
    let page = goal_page(&graph, first, after)?;
    let counts = {
        let (graph, goals) = (graph.clone(), page.nodes.clone());
        work::run(ctx, move |budget| {
            goals
                .iter()
                .map(|&goal| coverage::goal_coverage(&graph, goal, active_in, budget))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?
    };
    let rows = page
        .nodes
        .iter()
        .zip(counts)
        .map(|(&goal, counts)| GoalCoverage {
            goal: Node::new(graph.clone(), goal),
            direct: counts.direct,
            transitive: counts.transitive,
            active: counts.active,
        })
        .collect();
    Ok(connection(&graph, &page, rows))
}

/// Matrix rows for a page of goals.
pub async fn matrix(
    ctx: &Context<'_>,
    graph: Arc<Graph>,
    first: usize,
    after: Option<String>,
) -> Result<MatrixConnection> {
    let page = goal_page(&graph, first, after)?;
    let cells = {
        let (graph, goals) = (graph.clone(), page.nodes.clone());
        work::run(ctx, move |budget| {
            goals
                .iter()
                .map(|&goal| coverage::matrix_row(&graph, goal, budget))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?
    };
    let rows = page
        .nodes
        .iter()
        .zip(cells)
        .map(|(&goal, cells)| MatrixRow {
            graph: graph.clone(),
            goal,
            cells,
        })
        .collect();
    Ok(connection(&graph, &page, rows))
}

/// The graph counted, in one pass over it, once per snapshot.
pub async fn stats(ctx: &Context<'_>, graph: Arc<Graph>) -> Result<Stats> {
    let counted = graph
        .memo()
        .stats()
        .get_or_try_init(|| async {
            let job = graph.clone();
            work::run_whole(ctx, &graph, move |_| Ok(Arc::new(coverage::stats(&job)))).await
        })
        .await?
        .clone();
    Ok(Stats {
        nodes: counted.nodes,
        edges: counted.edges,
        by_kind: counted
            .by_kind
            .iter()
            .map(|&(kind, count)| KindCount {
                kind: kind.into(),
                count,
            })
            .collect(),
        by_edge_kind: counted
            .by_edge_kind
            .iter()
            .map(|&(kind, count)| EdgeKindCount {
                kind: kind.into(),
                count,
            })
            .collect(),
        by_year: counted
            .by_year
            .iter()
            .map(|y| YearCount {
                year: y.year,
                dated: y.dated,
                spans_starting: y.spans_starting,
                spans_ending: y.spans_ending,
                active: y.active,
            })
            .collect(),
        counted,
        graph,
    })
}

/// How well one goal is covered by programmes and measures.
#[derive(SimpleObject)]
pub struct GoalCoverage {
    /// The goal.
    goal: Node,
    /// Programmes and measures with an IMPLEMENTS edge to the goal itself.
    direct: usize,
    /// Programmes and measures implementing the goal or any goal PART_OF / DEPENDS_ON it (the
    /// `implementers` query's answer, counted). Zero: nothing implements the goal.
    transitive: usize,
    /// Of those, the ones active in the year `activeIn` names (covering a time span that
    /// overlaps it, or at an end of a dated relation that holds in it); null without `activeIn`.
    #[graphql(name = "activeIn")]
    active: Option<usize>,
}

/// One goal's row of the traceability matrix: the programmes that reach it.
pub struct MatrixRow {
    graph: Arc<Graph>,
    goal: NodeIx,
    cells: Vec<Cell>,
}

#[Object]
impl MatrixRow {
    /// The goal.
    async fn goal(&self) -> Node {
        Node::new(self.graph.clone(), self.goal)
    }

    /// The programmes implementing the goal, directly or through the goals PART_OF or
    /// DEPENDS_ON it; ordered by chain length, then id. Programmes not listed leave the cell
    /// empty.
    async fn cells(&self) -> Vec<MatrixCell> {
        self.cells
            .iter()
            .map(|cell| MatrixCell {
                graph: self.graph.clone(),
                cell: cell.clone(),
            })
            .collect()
    }
}

/// A programme's cell in a goal's row.
pub struct MatrixCell {
    graph: Arc<Graph>,
    cell: Cell,
}

#[Object]
impl MatrixCell {
    /// The programme.
    async fn programme(&self) -> Node {
        Node::new(self.graph.clone(), self.cell.programme)
    }

    /// The edges from the programme to the goal: IMPLEMENTS, then PART_OF / DEPENDS_ON.
    async fn chain(&self) -> Vec<Edge> {
        self.cell
            .chain
            .iter()
            .map(|&e| Edge::new(self.graph.clone(), e))
            .collect()
    }

    /// The cell as `policygraph export --format matrix` writes it: the chain's kinds and the
    /// document its first link is quoted from, e.g. `IMPLEMENTS>PART_OF [document:x]`.
    async fn label(&self) -> String {
        coverage::cell_label(&self.graph, &self.cell.chain)
    }
}

/// The graph counted by kind, source document and year.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Stats {
    /// Nodes in all.
    nodes: usize,
    /// Edges in all.
    edges: usize,
    /// Nodes per kind; every kind is listed.
    by_kind: Vec<KindCount>,
    /// Edges per kind; every kind is listed.
    by_edge_kind: Vec<EdgeKindCount>,
    /// The counts, kept with the snapshot; every document's, in id order, answered a window
    /// at a time (`byDocument`).
    #[graphql(skip)]
    counted: Arc<coverage::Stats>,
    /// The snapshot counted, for the documents' nodes.
    #[graphql(skip)]
    graph: Arc<Graph>,
    /// Every year from the earliest date in the graph to the latest, in order.
    by_year: Vec<YearCount>,
}

#[ComplexObject]
impl Stats {
    /// Every document, ordered by id, with what cites it. It grows with the graph: without
    /// `first`, more documents than the server's list cap (10 000 by default) are refused
    /// with LIMIT_EXCEEDED.
    async fn by_document(
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
        #[graphql(desc = "Only the documents something cites.")] cited: Option<bool>,
    ) -> Result<Vec<DocumentCount>> {
        let window = super::window::Window::new(ctx, first, offset)?;
        let listed: Vec<coverage::DocumentCount> = self
            .counted
            .by_document
            .iter()
            .filter(|d| cited != Some(true) || d.citations > 0)
            .take(window.enough())
            .copied()
            .collect();
        Ok(window
            .apply(listed, "byDocument")?
            .into_iter()
            .map(|d| DocumentCount {
                document: Node::new(self.graph.clone(), d.document),
                nodes: d.nodes,
                edges: d.edges,
                citations: d.citations,
            })
            .collect())
    }
}

/// Nodes of one kind.
#[derive(SimpleObject)]
pub struct KindCount {
    /// The kind.
    kind: NodeKind,
    /// How many.
    count: usize,
}

/// Edges of one kind.
#[derive(SimpleObject)]
pub struct EdgeKindCount {
    /// The kind.
    kind: EdgeKind,
    /// How many.
    count: usize,
}

/// What one document supports.
#[derive(SimpleObject)]
pub struct DocumentCount {
    /// The document.
    document: Node,
    /// Nodes with at least one citation into it.
    nodes: usize,
    /// Edges with at least one citation into it.
    edges: usize,
    /// Citations into it, on nodes and edges.
    citations: usize,
}

/// What happens in one year.
#[derive(SimpleObject)]
pub struct YearCount {
    /// The year.
    year: i32,
    /// Nodes whose own date (a document issued, a summit held) falls in it.
    dated: usize,
    /// Time spans starting in it.
    spans_starting: usize,
    /// Time spans ending in it.
    spans_ending: usize,
    /// Nodes active in it: what `nodes(activeIn: year)` counts.
    active: usize,
}
