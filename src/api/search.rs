//! The `search` result type.

use std::sync::Arc;

use async_graphql::Object;

use super::types::Node;
use crate::graph::{Graph, NodeIx};
use crate::store::search::Hit;

/// A ranked full-text match.
pub struct SearchHit {
    graph: Arc<Graph>,
    node: NodeIx,
    hit: Hit,
}

impl SearchHit {
    /// Wraps a hit on the node at `node`.
    pub fn new(graph: Arc<Graph>, node: NodeIx, hit: Hit) -> SearchHit {
        SearchHit { graph, node, hit }
    }
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
}
