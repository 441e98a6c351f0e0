//! What a running service holds: the database pool, the current graph snapshot and the schema.

use std::path::Path;
use std::sync::Arc;

use crate::store::Store;
use arc_swap::ArcSwap;

use crate::api::{self, ApiSchema, Limits, Session};
use crate::auth::Actor;
use crate::corpus::{self, Corpus};
use crate::curate::Curator;
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::server::Access;
use crate::store::{self, SyncReport};

/// Shared by every request; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The SQLite pool.
    pub pool: Store,
    /// The graph snapshot readers use; replaced whole after each committed write.
    pub snapshot: Arc<ArcSwap<Graph>>,
    /// The GraphQL schema.
    pub schema: ApiSchema,
    /// The limits the schema was built with.
    pub limits: Limits,
    /// The single writer; it replaces `snapshot` after each committed write.
    pub curator: Arc<Curator>,
    /// Who may read and from which origins.
    pub access: Access,
    /// The stop signal open WebSockets watch.
    pub shutdown: crate::server::Shutdown,
}

impl AppState {
    /// Builds the state over an open pool, reading the graph from it; writes get a pool of
    /// their own (one connection) over the same database.
    pub async fn new(pool: Store, limits: Limits) -> Result<AppState> {
        let writer = pool.writer();
        AppState::with_writer(pool, writer, limits).await
    }

    /// Builds the state with `writer` as the pool writes use (one connection is all the
    /// single writer needs).
    pub async fn with_writer(pool: Store, writer: Store, limits: Limits) -> Result<AppState> {
        // The graph and the log position it reflects, read in one transaction: the follower
        // then applies exactly the entries after it.
        let started = std::time::Instant::now();
        let (graph, seq) = store::read_graph_at(&pool).await?;
        let graph = graph.at_position(seq);
        tracing::debug!(took = ?started.elapsed(), "snapshot read and built");
        let snapshot = Arc::new(ArcSwap::from_pointee(graph));
        let curator = Arc::new(Curator::new(writer, snapshot.clone(), Some(seq)));
        curator.spawn_follower(pool.clone(), FOLLOW_EVERY);
        Ok(AppState {
            pool,
            snapshot,
            schema: api::schema(limits),
            limits,
            curator,
            access: Access::default(),
            shutdown: crate::server::Shutdown::default(),
        })
    }

    /// The same state with these access rules.
    pub fn with_access(self, access: Access) -> AppState {
        AppState { access, ..self }
    }

    /// What one request runs against: the current snapshot and the caller.
    pub fn session(&self, actor: Option<Actor>) -> Session {
        Session {
            graph: self.graph(),
            pool: self.pool.clone(),
            curator: self.curator.clone(),
            actor,
        }
    }

    /// The snapshot to answer one request with.
    pub fn graph(&self) -> Arc<Graph> {
        self.snapshot.load_full()
    }
}

/// Reads and validates the corpus in `seeds`; on any error, every finding is in the error.
pub fn read_seeds(seeds: &Path) -> Result<Corpus> {
    let reading = corpus::read(seeds);
    if reading.error_count() > 0 {
        return Err(Error::Corpus(reading.diagnostics));
    }
    Ok(reading.corpus)
}

/// Reads and validates `seeds`, then makes the database hold exactly that corpus.
///
/// Nothing is written when the corpus has an error; the error carries every finding.
pub async fn load_seeds(pool: &Store, seeds: &Path) -> Result<SyncReport> {
    let corpus = read_seeds(seeds)?;
    store::sync_corpus(pool, &corpus, SEED_LOADER, store::Curated::Keep).await
}

/// How often a serving process looks for writes made by others (the lag bound of a follower).
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// The actor recorded in the change log for seed loads.
pub const SEED_LOADER: &str = "seed-load";
