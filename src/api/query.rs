//! Root query fields. Their names are the dashboards' contract: arguments may grow, names stay.

use std::sync::Arc;

use async_graphql::connection::{Connection, CursorType, Edge as ConnectionEdge, OpaqueCursor};
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::Limits;
use super::errors::{Code, coded, internal};
use super::report::{self, CitationReport};
use super::types::{Node, NodeKind};
use crate::graph::Graph;
use crate::model::PartialDate;

/// Entry points into the traceability graph.
pub struct Query;

/// Extra fields on a node connection.
#[derive(SimpleObject)]
pub struct NodeTotals {
    /// How many nodes match the filters, over all pages.
    total_count: usize,
}

/// A page of nodes, Relay style.
pub type NodeConnection = Connection<OpaqueCursor<String>, Node, NodeTotals>;

fn graph(ctx: &Context<'_>) -> Result<Arc<Graph>> {
    ctx.data::<Arc<Graph>>()
        .cloned()
        .map_err(|e| internal(e.message))
}

#[Object]
impl Query {
    /// The node with this id, or null when there is none.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "`<kind>:<slug>`")] id: ID,
    ) -> Result<Option<Node>> {
        let graph = graph(ctx)?;
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
    ) -> Result<NodeConnection> {
        let graph = graph(ctx)?;
        let limits = ctx.data::<Limits>().map_err(|e| internal(e.message))?;
        let first = match first {
            None => 20,
            Some(f) if f < 0 => {
                return Err(coded(Code::BadUserInput, "`first` must not be negative"));
            }
            Some(f) if f as usize > limits.max_page => {
                return Err(coded(
                    Code::LimitExceeded,
                    format!("`first` is {f}; at most {} nodes per page", limits.max_page),
                ));
            }
            Some(f) => f as usize,
        };
        let all = graph.nodes(kind.map(Into::into));
        let start = match after {
            None => 0,
            Some(cursor) => {
                let after = OpaqueCursor::<String>::decode_cursor(&cursor).map_err(|_| {
                    coded(Code::BadUserInput, "`after` is not a cursor from this API")
                })?;
                all.partition_point(|&ix| graph.get(ix).id.as_str() <= after.0.as_str())
            }
        };
        let end = (start + first).min(all.len());
        let mut connection = Connection::with_additional_fields(
            start > 0,
            end < all.len(),
            NodeTotals {
                total_count: all.len(),
            },
        );
        connection.edges.extend(all[start..end].iter().map(|&ix| {
            let cursor = OpaqueCursor(graph.get(ix).id.to_string());
            ConnectionEdge::new(cursor, Node::new(graph.clone(), ix))
        }));
        Ok(connection)
    }

    /// The findings `policygraph check` reports, computed on the graph as served: programmes
    /// without a verified citation, PART_OF/DEPENDS_ON cycles, ambiguous quotes, goals nothing
    /// implements, and programmes whose span ended with no successor.
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
            Some(text) => {
                PartialDate::parse(&text).map_err(|e| coded(Code::BadUserInput, e.to_string()))?
            }
        };
        Ok(report::build(graph(ctx)?, today))
    }
}
