//! Curating the graph: validated edits applied in one `BEGIN IMMEDIATE` transaction each, then
//! the next snapshot swapped in atomically and the change announced to subscribers.
//!
//! Writers are serialised by one lock; readers never take it: they keep whichever snapshot
//! they loaded, so a request never sees a half-applied change.

pub mod edit;

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;
use sqlx::SqlitePool;
use tokio::sync::{Mutex, broadcast};

use crate::auth::Actor;
use crate::dataset;
use crate::error::Error;
use crate::graph::Graph;
use crate::model::PartialDate;
use crate::store;
pub use edit::{CiteDraft, EdgeKey, Edit, NodeDraft, NodePatch, Problem, ProblemCode};

/// What one committed write changed, as told to `graphChanged` subscribers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GraphChanged {
    /// Token name of the writer.
    pub actor: String,
    /// Change-log sequence numbers of this write, in order.
    pub seqs: Vec<i64>,
    /// The node and edge ids that changed, in the same order.
    pub entities: Vec<String>,
    /// `create`, `update` or `delete`, in the same order.
    pub ops: Vec<&'static str>,
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum Refusal {
    /// The edits break a rule; every problem is listed. Nothing was written.
    Rejected(Vec<Problem>),
    /// The store failed; nothing was written. The cause is for the log only.
    Failed(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Failed(e)
    }
}

impl From<sqlx::Error> for Refusal {
    fn from(e: sqlx::Error) -> Self {
        Refusal::Failed(e.into())
    }
}

/// A committed write: the snapshot that includes it and what it changed.
#[derive(Clone, Debug)]
pub struct Applied {
    /// The graph after the write (readers see it from now on).
    pub graph: Arc<Graph>,
    /// What changed; empty when the edits left everything as it was.
    pub changed: Option<GraphChanged>,
}

/// The single writer of a running service.
pub struct Curator {
    pool: SqlitePool,
    snapshot: Arc<ArcSwap<Graph>>,
    writer: Mutex<()>,
    events: broadcast::Sender<GraphChanged>,
}

impl Curator {
    /// A curator over `pool`, publishing into `snapshot`.
    pub fn new(pool: SqlitePool, snapshot: Arc<ArcSwap<Graph>>) -> Curator {
        let (events, _) = broadcast::channel(256);
        Curator {
            pool,
            snapshot,
            writer: Mutex::new(()),
            events,
        }
    }

    /// The snapshot readers use now.
    pub fn graph(&self) -> Arc<Graph> {
        self.snapshot.load_full()
    }

    /// A stream of committed changes, for subscriptions.
    pub fn subscribe(&self) -> broadcast::Receiver<GraphChanged> {
        self.events.subscribe()
    }

    /// Applies `edits` (each labelled with its input field) as one transaction, all or nothing.
    pub async fn apply(&self, actor: &Actor, edits: &[(String, Edit)]) -> Result<Applied, Refusal> {
        let _turn = self.writer.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let before = store::read_dataset(&mut tx).await?;
        let (after, touched) =
            edit::apply(&before, edits, PartialDate::today()).map_err(Refusal::Rejected)?;
        let changes = dataset::changes(&before, &after, Some(&touched));
        if changes.is_empty() {
            tx.rollback().await?;
            return Ok(Applied {
                graph: self.graph(),
                changed: None,
            });
        }
        let seqs = store::write_changes(&mut tx, &changes, &actor.0).await?;
        let graph = Arc::new(Graph::build(after.contents())?);
        tx.commit().await?;
        self.snapshot.store(graph.clone());
        let changed = GraphChanged {
            actor: actor.0.clone(),
            seqs,
            entities: changes.iter().map(|c| c.id.clone()).collect(),
            ops: changes.iter().map(|c| c.op().as_str()).collect(),
        };
        // No subscriber is not an error.
        let _ = self.events.send(changed.clone());
        Ok(Applied {
            graph,
            changed: Some(changed),
        })
    }
}
