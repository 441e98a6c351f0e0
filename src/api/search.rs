//! The `search` result type.

use std::sync::Arc;

use async_graphql::Object;
use async_graphql::connection::{CursorType, OpaqueCursor};

use super::errors::{Code, coded};
use super::types::Node;
use crate::graph::{Graph, NodeIx};
use crate::store::search::Hit;

/// A ranked full-text match.
pub struct SearchHit {
    graph: Arc<Graph>,
    node: NodeIx,
    hit: Hit,
    /// Its place in the ranking, from 1.
    position: usize,
}

impl SearchHit {
    /// Wraps the hit at `position` in the ranking (from 1) on the node at `node`.
    pub fn new(graph: Arc<Graph>, node: NodeIx, hit: Hit, position: usize) -> SearchHit {
        SearchHit {
            graph,
            node,
            hit,
            position,
        }
    }
}

/// How many hits come before the page a search `after` cursor asks for; a forged position
/// past the ranked rows counts as their end (its page is empty).
pub fn position(cursor: &str) -> async_graphql::Result<usize> {
    OpaqueCursor::<usize>::decode_cursor(cursor)
        .map(|c| c.0.min(crate::store::search::RANKED_AT_MOST))
        .map_err(|_| {
            coded(
                Code::BadUserInput,
                "`after` is not a cursor of a search hit",
            )
        })
}

#[Object]
impl SearchHit {
    /// The node that matched.
    async fn node(&self) -> Node {
        Node::new(self.graph.clone(), self.node)
    }

    /// What matched best: `title`, `note` or `quote`.
    async fn field(&self) -> &str {
        &self.hit.field
    }

    /// The matching passage, matched terms between `[` and `]`, cut with `…`.
    async fn snippet(&self) -> &str {
        &self.hit.snippet
    }

    /// Relevance (BM25); higher is better. Only comparable within one answer.
    async fn score(&self) -> f64 {
        self.hit.score
    }

    /// Pass as `after` for the hits ranked after this one. The ranking is the index's at the
    /// time of each request: a write between two pages can move a hit across them.
    async fn cursor(&self) -> String {
        OpaqueCursor(self.position).encode_cursor()
    }
}
