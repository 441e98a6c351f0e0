//! The GraphQL API: schema factory, root query, object types and coded errors.
//!
//! Resolvers read one [`Graph`] snapshot, passed as request data, so a query never sees a
//! half-applied change.

pub mod audit;
mod coverage;
pub mod errors;
pub mod limits;
mod mutation;
pub mod persisted;
mod query;
mod report;
mod search;
mod subscription;
mod trace;
pub mod types;
mod window;
mod work;

use std::sync::Arc;

use crate::store::Store;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Request, Response, Schema};

use crate::auth::Actor;
use crate::curate::Curator;
use crate::graph::Graph;
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::Subscription;

/// The schema type served at `/graphql`.
pub type ApiSchema = Schema<Query, Mutation, Subscription>;

/// What one request runs against: a snapshot, the store, the writer, and who is asking.
#[derive(Clone)]
pub struct Session {
    /// The snapshot every read of the request uses.
    pub graph: Arc<Graph>,
    /// The store (search, audit trail).
    pub pool: Store,
    /// The single writer.
    pub curator: Arc<Curator>,
    /// The token's owner, when the request carried a valid one.
    pub actor: Option<Actor>,
}

impl Session {
    /// Attaches the session to a request as context data.
    pub fn attach(self, request: Request) -> Request {
        let request = request.data(self.graph).data(self.pool).data(self.curator);
        match self.actor {
            Some(actor) => request.data(actor),
            None => request,
        }
    }
}

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
    /// Longest list one answer may carry without `first` (dependencies, implementers,
    /// timeline, findings, a node's edges); longer ones are refused, and `first` may not
    /// exceed it.
    pub max_list: usize,
    /// Largest `maxDepth` accepted by `path` and `paths`.
    pub max_path_depth: usize,
    /// Edge expansions `paths` may spend before it returns what it has found.
    pub max_expansions: usize,
    /// Most aliased fields in one request.
    pub max_aliases: usize,
    /// Most selections (fields, spreads, inline fragments) in one request once its fragments
    /// are expanded; checked before anything else looks at the document.
    pub max_selections: u64,
    /// Units of graph work (nodes and edges visited, counted over every field of a request)
    /// a request may spend before it is refused with `LIMIT_EXCEEDED`.
    pub max_work: u64,
    /// Time a request's graph work may take; past it the work stops (`LIMIT_EXCEEDED`).
    pub max_time: std::time::Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 16,
            max_complexity: 1_000,
            max_page: 100,
            max_list: 10_000,
            max_path_depth: 12,
            max_expansions: 1_000_000,
            max_aliases: 50,
            max_selections: 2_000,
            max_work: 20_000_000,
            max_time: std::time::Duration::from_secs(10),
        }
    }
}

impl Limits {
    /// The checks made on each document before execution, and its work budget.
    pub fn document(&self) -> limits::DocumentLimits {
        limits::DocumentLimits {
            max_aliases: self.max_aliases,
            max_selections: self.max_selections,
            max_work: self.max_work,
            max_time: self.max_time,
            max_list: self.max_list,
        }
    }
}

/// Builds the schema. `schema.graphql` is this schema's SDL.
pub fn schema(limits: Limits) -> ApiSchema {
    Schema::build(Query, Mutation, Subscription)
        .limit_depth(limits.max_depth)
        .limit_complexity(limits.max_complexity)
        .extension(limits::DocumentCheck(limits.document()))
        .data(limits)
        .finish()
}

/// The SDL of the schema, as committed in `schema.graphql`.
pub fn sdl() -> String {
    schema(Limits::default()).sdl()
}

/// The type of the operation `request` selects; `None` when the document does not parse or
/// names no such operation (the engine reports why). The parse is kept in the request (and
/// cached), so executing it later does not parse again.
fn operation_type(request: &mut Request) -> Option<OperationType> {
    let operation_name = request.operation_name.clone();
    let document = limits::parse_cached(request)?;
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name.as_str()),
        (DocumentOperations::Multiple(ops), None) => ops.values().next(),
    };
    operation.map(|op| op.node.ty)
}

/// True when the operation `request` selects is a mutation; an unparsable request is not one.
pub fn is_mutation(request: &mut Request) -> bool {
    operation_type(request) == Some(OperationType::Mutation)
}

/// True when the operation `request` selects is a query, so its answer depends only on the
/// snapshot, the day, the caller and the request (what an HTTP entity tag names).
pub fn is_query(request: &mut Request) -> bool {
    operation_type(request) == Some(OperationType::Query)
}

/// Runs one request in `session`, with every error coded.
pub async fn execute(schema: &ApiSchema, session: Session, mut request: Request) -> Response {
    // The operation's name: the request's `operationName`, else the document's only one.
    let named =
        limits::parse_cached(&mut request).and_then(|document| match &document.operations {
            DocumentOperations::Multiple(ops) if ops.len() == 1 => {
                ops.keys().next().map(|name| name.to_string())
            }
            _ => None,
        });
    let operation = request.operation_name.clone().or(named);
    let response = errors::ensure_codes(schema.execute(session.attach(request)).await);
    let outcome = response
        .errors
        .first()
        .and_then(|e| e.extensions.as_ref()?.get("code").cloned())
        .map_or("ok".to_owned(), |code| match code {
            async_graphql::Value::String(code) => code,
            other => other.to_string(),
        });
    crate::metrics::operation(operation.as_deref(), &outcome);
    response
}
