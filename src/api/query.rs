//! Root query fields. Their names are the dashboards' contract: arguments may grow, names stay.

use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType, Edge as ConnectionEdge, OpaqueCursor};
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::Limits;
use super::errors::{Code, coded, internal};
use super::report::{self, CitationReport};
use super::search::SearchHit;
use super::trace::{Dependency, DependencyDirection, Implementer, Path, TimelineEntry};
use super::types::{EdgeKind, Node, NodeKind};
use super::window::Window;
use super::work;
use crate::graph::traverse::{self, Walk};
use crate::graph::{Graph, NodeIx, NodePage};
use crate::graph::{as_of, timeline};
use crate::model;
use crate::model::PartialDate;
use crate::store;
use crate::store::Store;

/// Entry points into the traceability graph.
pub struct Query;

/// Extra fields on a node connection.
#[derive(SimpleObject)]
pub struct NodeTotals {
    /// How many nodes match the filters, over all pages.
    pub total_count: usize,
}

/// A page of nodes, Relay style.
pub type NodeConnection = Connection<OpaqueCursor<String>, Node, NodeTotals>;

/// The request's snapshot; over a long-lived WebSocket, the one current when the field runs.
fn graph(ctx: &Context<'_>) -> Result<Arc<Graph>> {
    if let Some(graph) = ctx.data_opt::<Arc<Graph>>() {
        return Ok(graph.clone());
    }
    ctx.data::<Arc<crate::curate::Curator>>()
        .map(|c| c.graph())
        .map_err(|e| internal(e.message))
}

fn limits<'c>(ctx: &Context<'c>) -> Result<&'c Limits> {
    ctx.data::<Limits>().map_err(|e| internal(e.message))
}

/// The snapshot to answer from: the served one, or its `asOf` view (built off the async
/// workers from the cited part of the graph, or reused from an earlier request).
async fn snapshot(ctx: &Context<'_>, as_of: Option<String>) -> Result<Arc<Graph>> {
    let graph = graph(ctx)?;
    let Some(text) = as_of else {
        return Ok(graph);
    };
    let date = date(&text)?;
    let view = work::run(ctx, move |_| Ok(as_of::as_of_shared(&graph, date))).await?;
    view.map_err(internal)
}

/// A date argument, or a BAD_USER_INPUT error.
fn date(text: &str) -> Result<PartialDate> {
    PartialDate::parse(text).map_err(|e| coded(Code::BadUserInput, e.to_string()))
}

/// The node with this id, or a NOT_FOUND error.
fn find(graph: &Graph, id: &ID) -> Result<NodeIx> {
    graph
        .lookup(id)
        .ok_or_else(|| coded(Code::NotFound, format!("no node `{}`", id.as_str())))
}

/// A non-negative count no larger than `cap`; larger is refused, not clamped.
fn capped(name: &str, value: i32, cap: usize) -> Result<usize> {
    match usize::try_from(value) {
        Err(_) => Err(coded(
            Code::BadUserInput,
            format!("`{name}` must not be negative"),
        )),
        Ok(v) if v > cap => Err(coded(
            Code::LimitExceeded,
            format!("`{name}` is {v}; at most {cap} is allowed"),
        )),
        Ok(v) => Ok(v),
    }
}

/// A connection's page size: 20 when omitted; negative or above the server's cap is refused.
fn page_size(ctx: &Context<'_>, first: Option<i32>) -> Result<usize> {
    capped("first", first.unwrap_or(20), limits(ctx)?.max_page)
}

fn walk(
    ctx: &Context<'_>,
    via: Option<Vec<EdgeKind>>,
    max_depth: i32,
    directed: bool,
) -> Result<Walk> {
    Ok(Walk {
        via: via
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect(),
        directed,
        max_depth: capped("maxDepth", max_depth, limits(ctx)?.max_path_depth)?,
    })
}

#[Object]
impl Query {
    /// The node with this id, or null when there is none.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`<kind>:<slug>`")] id: ID,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<Option<Node>> {
        let graph = snapshot(ctx, as_of).await?;
        Ok(graph.lookup(&id).map(|ix| Node::new(graph.clone(), ix)))
    }

    /// Nodes ordered by id, a page at a time (Relay cursor connection).
    #[graphql(complexity = "first.map_or(20, |f| f.max(0) as usize) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only nodes of this kind.")] kind: Option<NodeKind>,
        #[graphql(
            desc = "Page size: 20 when omitted; above the server's cap (100 by default) is refused."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last node of the previous page.")] after: Option<String>,
        #[graphql(
            desc = "Only nodes active in this year: covering a time span that overlaps it, or at either end of a dated relation (validFrom/validTo) that holds in it."
        )]
        active_in: Option<i32>,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<NodeConnection> {
        let graph = snapshot(ctx, as_of).await?;
        let first = page_size(ctx, first)?;
        let kind: Option<model::NodeKind> = kind.map(Into::into);
        let after = match after {
            None => None,
            Some(cursor) => Some(
                OpaqueCursor::<String>::decode_cursor(&cursor)
                    .map_err(|_| {
                        coded(Code::BadUserInput, "`after` is not a cursor from this API")
                    })?
                    .0,
            ),
        };
        let page = match active_in {
            None => graph.node_page(kind, after.as_deref(), first),
            Some(number) => {
                let year = date(&format!("{number:04}"))?;
                let active = graph
                    .memo()
                    .active(number)
                    .get_or_try_init(|| async {
                        let job = graph.clone();
                        work::run_whole(ctx, &graph, move |_| {
                            Ok(timeline::active_nodes(&job, None, year, year).into())
                        })
                        .await
                    })
                    .await?
                    .clone();
                // Ids begin with their kind (`goal:`), so in id order a kind's nodes are the
                // ones from `goal:` up to `goal;` (the character after ':').
                let all = match kind {
                    None => &active[..],
                    Some(k) => {
                        let below = |bound: String| {
                            active.partition_point(|&ix| graph.get(ix).id.as_str() < bound.as_str())
                        };
                        let (from, to) = (below(format!("{k}:")), below(format!("{k};")));
                        &active[from..to]
                    }
                };
                let start = after.as_deref().map_or(0, |a| {
                    all.partition_point(|&ix| graph.get(ix).id.as_str() <= a)
                });
                let end = (start + first).min(all.len());
                NodePage {
                    nodes: all[start..end].to_vec(),
                    total: all.len(),
                    has_previous: start > 0,
                    has_next: end < all.len(),
                }
            }
        };
        let mut connection = Connection::with_additional_fields(
            page.has_previous,
            page.has_next,
            NodeTotals {
                total_count: page.total,
            },
        );
        connection.edges.extend(page.nodes.iter().map(|&ix| {
            let cursor = OpaqueCursor(graph.get(ix).id.to_string());
            ConnectionEdge::new(cursor, Node::new(graph.clone(), ix))
        }));
        Ok(connection)
    }

    /// Programmes and measures that implement a goal: directly, or (transitive, the default)
    /// through any goal that is PART_OF or DEPENDS_ON it. Each comes with the chain of edges
    /// linking it to the goal and the citations on every edge. Ordered by depth, then id.
    async fn implementers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Id of the goal.")] goal: ID,
        #[graphql(
            default = true,
            desc = "Include implementers of sub-goals and dependencies."
        )]
        transitive: bool,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
        #[graphql(
            desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list."
        )]
        offset: Option<i32>,
    ) -> Result<Vec<Implementer>> {
        let window = Window::new(ctx, first, offset)?;
        let graph = snapshot(ctx, as_of).await?;
        let ix = find(&graph, &goal)?;
        if graph.get(ix).kind() != model::NodeKind::Goal {
            return Err(coded(
                Code::BadUserInput,
                format!("`{}` is not a goal", goal.as_str()),
            ));
        }
        let found = {
            let graph = graph.clone();
            work::run(ctx, move |budget| {
                traverse::implementers(&graph, ix, transitive, budget)
            })
            .await?
        };
        Ok(window
            .apply(found, "the goal's implementers")?
            .into_iter()
            .map(|raw| Implementer::new(graph.clone(), raw))
            .collect())
    }

    /// One shortest path between two nodes (fewest edges), or null when there is none within
    /// `maxDepth`. Found by a bidirectional search, so it stays fast around hub nodes.
    #[allow(clippy::too_many_arguments)] // each argument is part of the GraphQL contract
    async fn path(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start node id.")] from: ID,
        #[graphql(desc = "End node id.")] to: ID,
        #[graphql(desc = "Only these edge kinds (all when omitted).")] via: Option<Vec<EdgeKind>>,
        #[graphql(
            default = 6,
            desc = "Longest path considered, in edges (at most the server cap, 12 by default)."
        )]
        max_depth: i32,
        #[graphql(
            default = false,
            desc = "Follow edges only as they read (source to target)."
        )]
        directed: bool,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<Option<Path>> {
        let graph = snapshot(ctx, as_of).await?;
        let (a, b) = (find(&graph, &from)?, find(&graph, &to)?);
        let walk = walk(ctx, via, max_depth, directed)?;
        let found = {
            let graph = graph.clone();
            work::run(ctx, move |budget| {
                traverse::shortest_path(&graph, a, b, &walk, budget)
            })
            .await?
        };
        Ok(found.map(|steps| Path::new(graph.clone(), a, steps)))
    }

    /// Up to `limit` simple paths between two nodes, shortest first, each at most `maxDepth`
    /// edges long. A search that stops at the server's cap of edge expansions (1 000 000 by
    /// default) before it has seen every path answers those it found with a LIMIT_EXCEEDED
    /// error beside them: more may exist.
    #[allow(clippy::too_many_arguments)] // each argument is part of the GraphQL contract
    async fn paths(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start node id.")] from: ID,
        #[graphql(desc = "End node id.")] to: ID,
        #[graphql(desc = "Only these edge kinds (all when omitted).")] via: Option<Vec<EdgeKind>>,
        #[graphql(
            default = 4,
            desc = "Longest path considered, in edges (at most the server cap)."
        )]
        max_depth: i32,
        #[graphql(
            default = 10,
            desc = "Most paths returned (at most the server's page cap)."
        )]
        limit: i32,
        #[graphql(
            default = false,
            desc = "Follow edges only as they read (source to target)."
        )]
        directed: bool,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<Vec<Path>> {
        let graph = snapshot(ctx, as_of).await?;
        let limits = limits(ctx)?;
        let (a, b) = (find(&graph, &from)?, find(&graph, &to)?);
        let walk = walk(ctx, via, max_depth, directed)?;
        let limit = capped("limit", limit, limits.max_page)?;
        let expansions = limits.max_expansions;
        let paths = {
            let graph = graph.clone();
            work::run(ctx, move |budget| {
                traverse::simple_paths(&graph, a, b, &walk, limit, expansions, budget)
            })
            .await?
        };
        if !paths.complete {
            // The paths found are answered; the error says the list may not be all of them.
            ctx.add_error(
                coded(
                    Code::LimitExceeded,
                    format!(
                        "the search stopped after {expansions} edge expansions with {} paths: \
                         more may exist; narrow it with `via`, `directed` or a smaller `maxDepth`",
                        paths.found.len()
                    ),
                )
                .into_server_error(ctx.item.pos),
            );
        }
        Ok(paths
            .found
            .into_iter()
            .map(|steps| Path::new(graph.clone(), a, steps))
            .collect())
    }

    /// The nodes a node depends on (UPSTREAM: follow edges as they read), or that depend on it
    /// (DOWNSTREAM), within `depth` edges, each with its distance; ordered by depth, then id.
    #[allow(clippy::too_many_arguments)] // each argument is part of the GraphQL contract
    async fn dependencies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Start node id.")] id: ID,
        #[graphql(default_with = "DependencyDirection::Upstream")] direction: DependencyDirection,
        #[graphql(desc = "Most edges from the start; unbounded when omitted.")] depth: Option<i32>,
        #[graphql(desc = "Edge kinds to follow (default DEPENDS_ON, PART_OF, IMPLEMENTS).")]
        via: Option<Vec<EdgeKind>>,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
        #[graphql(
            desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list."
        )]
        offset: Option<i32>,
    ) -> Result<Vec<Dependency>> {
        let window = Window::new(ctx, first, offset)?;
        let graph = snapshot(ctx, as_of).await?;
        let start = find(&graph, &id)?;
        let via = via
            .unwrap_or_else(|| vec![EdgeKind::DependsOn, EdgeKind::PartOf, EdgeKind::Implements]);
        let max_depth = match depth {
            None => usize::MAX,
            Some(d) if d < 0 => {
                return Err(coded(Code::BadUserInput, "`depth` must not be negative"));
            }
            Some(d) => d as usize,
        };
        let walk = Walk {
            via: via.into_iter().map(Into::into).collect(),
            directed: direction != DependencyDirection::Both,
            max_depth,
        };
        let outward = direction != DependencyDirection::Downstream;
        let found = {
            let (graph, enough) = (graph.clone(), window.enough());
            work::run(ctx, move |budget| {
                traverse::closure(&graph, start, &walk, outward, enough, budget)
            })
            .await?
        };
        Ok(window
            .apply(found, "the closure")?
            .into_iter()
            .map(|(ix, d)| Dependency::new(graph.clone(), ix, d))
            .collect())
    }

    /// What happens between two dates: summits (with what they adopted), dated documents and
    /// programmes, and time spans starting, ending or running (with the programmes covering
    /// them). Ordered by date.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "First day of the period: YYYY, YYYY-MM or YYYY-MM-DD.")] from: String,
        #[graphql(desc = "Last day of the period: YYYY, YYYY-MM or YYYY-MM-DD.")] to: String,
        #[graphql(
            desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list."
        )]
        offset: Option<i32>,
    ) -> Result<Vec<TimelineEntry>> {
        let window = Window::new(ctx, first, offset)?;
        let graph = graph(ctx)?;
        let (from, to) = (date(&from)?, date(&to)?);
        let entries = {
            let graph = graph.clone();
            work::run_whole(ctx, &graph.clone(), move |_| {
                Ok(timeline::timeline(&graph, from, to))
            })
            .await?
        };
        Ok(window
            .apply(entries, "the timeline")?
            .into_iter()
            .map(|e| TimelineEntry::new(graph.clone(), e))
            .collect())
    }

    /// The audit trail: every change to the graph, oldest first, a page at a time. Each entry
    /// names who made it (the token's name) and the entity before and after.
    #[graphql(complexity = "first.map_or(20, |f| f.max(0) as usize) * child_complexity")]
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes committed at or after this ISO 8601 date or time.")]
        since: Option<String>,
        #[graphql(
            desc = "Page size: 20 when omitted; above the server's cap (100 by default) is refused."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last entry of the previous page.")] after: Option<String>,
    ) -> Result<super::audit::ChangeConnection> {
        super::audit::changes(ctx, since, first, after).await
    }

    /// Full-text search over titles, notes and quotes, best first, one hit per node with a
    /// highlighted snippet. Every word must occur; the last, from 3 letters, may be a prefix
    /// ("border secur"). A word in more than 5 000 fields is ranked among its first 5 000
    /// (in index order) only, so a common word answers as fast as a rare one.
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Free text; no query syntax.")] text: String,
        #[graphql(desc = "Only nodes of these kinds (all when omitted).")] kinds: Option<
            Vec<NodeKind>,
        >,
        #[graphql(
            default = 20,
            desc = "Most hits returned (at most the server's page cap)."
        )]
        first: i32,
        #[graphql(
            desc = "The `cursor` of the last hit of the previous page: the next page of the same ranking."
        )]
        after: Option<String>,
    ) -> Result<Vec<SearchHit>> {
        let graph = graph(ctx)?;
        let first = capped("first", first, limits(ctx)?.max_page)?;
        let skip = match after {
            Some(cursor) => crate::api::search::position(&cursor)?,
            None => 0,
        };
        let pool = ctx.data::<Store>().map_err(|e| internal(e.message))?;
        let kinds: Vec<model::NodeKind> = kinds
            .unwrap_or_default()
            .into_iter()
            .map(Into::into)
            .collect();
        let query = store::search::fts_query(&text).map_err(|e| match e {
            store::search::BadText::TooLong(_) | store::search::BadText::TooManyWords(_) => {
                coded(Code::LimitExceeded, e.to_string())
            }
        })?;
        let Some(query) = query else {
            return Ok(Vec::new());
        };
        let deadline = work::deadline(ctx)?;
        let hits = store::search::search(pool, &query, &kinds, skip, first, deadline)
            .await
            .map_err(|e| match e {
                store::search::SearchError::Deadline => {
                    work::exhausted(crate::graph::budget::Exhausted::Deadline)
                }
                store::search::SearchError::Store(e) => internal(e),
            })?;
        // The index and the snapshot are written together; a hit the snapshot lacks is skipped.
        Ok(hits
            .into_iter()
            .zip(skip + 1..)
            .filter_map(|(hit, position)| {
                let ix = graph.lookup(&hit.entity)?;
                Some(SearchHit::new(graph.clone(), ix, hit, position))
            })
            .collect())
    }

    /// The findings `policygraph check` reports, computed on the graph as served: programmes
    /// without a verified citation, PART_OF/DEPENDS_ON cycles, ambiguous quotes, goals nothing
    /// implements, and programmes whose span ended with no successor. Today's report is
    /// prepared when the server starts; a report for another `asOf` date is computed by the
    /// first request for it (about a second at a million edges). Either is then kept up to date
    /// write by write (a write judges again only what it touched), so later requests read it:
    /// `findings` pages through it with `first` and `offset`.
    async fn citation_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Judge ended time spans as of this date (YYYY, YYYY-MM or YYYY-MM-DD); default today."
        )]
        as_of: Option<String>,
    ) -> Result<CitationReport> {
        let today = match as_of {
            None => PartialDate::today(),
            Some(text) => date(&text)?,
        };
        report::report(ctx, graph(ctx)?, today).await
    }

    /// Goals ordered by id, a page at a time, each with how many programmes and measures
    /// implement it: directly, transitively, and active in a year. What a coverage dashboard
    /// reads instead of asking `implementers` goal by goal.
    #[graphql(complexity = "first.map_or(20, |f| f.max(0) as usize) * child_complexity")]
    async fn coverage(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size: 20 when omitted; above the server's cap (100 by default) is refused."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last goal of the previous page.")] after: Option<String>,
        #[graphql(desc = "Also count the implementers active in this year (`activeIn`).")]
        active_in: Option<i32>,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<super::coverage::CoverageConnection> {
        let first = page_size(ctx, first)?;
        let year = active_in
            .map(|year| date(&format!("{year:04}")))
            .transpose()?;
        let graph = snapshot(ctx, as_of).await?;
        super::coverage::coverage(ctx, graph, first, after, year).await
    }

    /// The goals × programmes traceability matrix that `policygraph export --format matrix`
    /// writes, a page of goal rows at a time (goals ordered by id). A row lists only the
    /// programmes that reach the goal; the columns are `nodes(kind: PROGRAMME)`.
    #[graphql(complexity = "first.map_or(20, |f| f.max(0) as usize) * child_complexity")]
    async fn matrix(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Page size: 20 when omitted; above the server's cap (100 by default) is refused."
        )]
        first: Option<i32>,
        #[graphql(desc = "Cursor of the last goal of the previous page.")] after: Option<String>,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<super::coverage::MatrixConnection> {
        let first = page_size(ctx, first)?;
        let graph = snapshot(ctx, as_of).await?;
        super::coverage::matrix(ctx, graph, first, after).await
    }

    /// The graph counted: nodes and edges by kind, what each source document supports, and
    /// per year what is dated, which spans start and end, and how many nodes are active.
    async fn stats(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Answer as the sources stood on this date (YYYY, YYYY-MM or YYYY-MM-DD): only documents issued by then, only programmes in force then (superseded ones dropped), only relations that hold then."
        )]
        as_of: Option<String>,
    ) -> Result<super::coverage::Stats> {
        let graph = snapshot(ctx, as_of).await?;
        super::coverage::stats(ctx, graph).await
    }
}
