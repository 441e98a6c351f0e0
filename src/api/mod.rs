//! The GraphQL API: schema factory, root query, object types and coded errors.
//!
//! Resolvers read one [`Graph`] snapshot, passed as request data, so a query never sees a
//! half-applied change.

pub mod errors;
mod limits;
mod query;
mod report;
mod search;
mod trace;
pub mod types;

use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, Request, Response, Schema};
use sqlx::SqlitePool;

use crate::graph::Graph;
pub use query::Query;

/// The schema type served at `/graphql`.
pub type ApiSchema = Schema<Query, EmptyMutation, EmptySubscription>;

/// Safety limits applied to every request.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Deepest selection nesting accepted.
    pub max_depth: usize,
    /// Highest query complexity accepted (each field costs 1, lists multiply by `first`).
    pub max_complexity: usize,
    /// Largest `first` accepted on a connection (and `limit` on `paths`); larger values are
    /// refused, not clamped.
    pub max_page: usize,
    /// Largest `maxDepth` accepted by `path` and `paths`.
    pub max_path_depth: usize,
    /// Edge expansions `paths` may spend before it returns what it has found.
    pub max_expansions: usize,
    /// Most aliased fields in one request.
    pub max_aliases: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_complexity: 1_000,
            max_page: 100,
            max_path_depth: 12,
            max_expansions: 1_000_000,
            max_aliases: 50,
        }
    }
}

/// Builds the schema. `schema.graphql` is this schema's SDL.
pub fn schema(limits: Limits) -> ApiSchema {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .data(limits)
        .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema(Limits::default()).sdl()
}

/// Runs one request against a snapshot, with every error coded. `limits` must be the ones the
/// schema was built with.
pub async fn execute(
    schema: &ApiSchema,
    limits: &Limits,
    graph: Arc<Graph>,
    pool: &SqlitePool,
    mut request: Request,
) -> Response {
    if let Some(refused) = limits::refuse(&mut request, limits) {
        return refused;
    }
    errors::ensure_codes(schema.execute(request.data(graph).data(pool.clone())).await)
}
