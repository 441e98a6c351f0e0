//! Curating the graph: validated edits applied in one `BEGIN IMMEDIATE` transaction each, then
//! the next snapshot swapped in atomically and the change announced to subscribers.
//!
//! Writers are serialised by one lock; readers never take it: they keep whichever snapshot
//! they loaded, so a request never sees a half-applied change.

pub mod csv;
pub mod edit;
mod follow;
mod view;

use std::sync::Arc;

use arc_swap::ArcSwap;
use serde::Serialize;
use tokio::sync::{Mutex, broadcast};

use crate::auth::Actor;
use crate::dataset::{self, Dataset};
use crate::error::Error;
use crate::graph::Graph;
use crate::store::{self, Store, Tx};
pub use edit::{CiteDraft, EdgeKey, EdgePatch, Edit, NodeDraft, NodePatch, Problem, ProblemCode};

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
    /// Changes not listed here (a bulk change another process made, read from the store
    /// whole): subscribers should refetch.
    pub skipped: i64,
}

/// Why a write did not happen.
#[derive(Debug)]
pub enum Refusal {
    /// The edits break a rule; every problem is listed. Nothing was written.
    Rejected(Vec<Problem>),
    /// The store failed; nothing was written. The cause is for the log only.
    Failed(Error),
    /// The store takes no writes yet (its start-up integrity check is running) or any more
    /// (the check found damage); the reason is for the caller. Nothing was written.
    Unavailable(String),
}

/// What the integrity check a server runs at start-up has found so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// The check is running, since this instant: reads are served, writes refused.
    Checking(std::time::Instant),
    /// The check passed (or none was asked for): writes are taken.
    Sound,
    /// The check found damage: nothing is written, and the server is stopping.
    Damaged,
}

impl Integrity {
    /// The spelling `/readyz` reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Integrity::Checking(_) => "checking",
            Integrity::Sound => "sound",
            Integrity::Damaged => "damaged",
        }
    }
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Failed(e)
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
    /// The writer's own pool (one connection), so reads cannot take what a write needs.
    store: Store,
    snapshot: Arc<ArcSwap<Graph>>,
    /// Held by the one write in progress; the change-log position the snapshot reflects,
    /// when this curator wrote it (else the store is read whole).
    writer: Mutex<Option<i64>>,
    /// The same position, readable without waiting for a write in progress (-1: unknown).
    applied: std::sync::atomic::AtomicI64,
    events: broadcast::Sender<GraphChanged>,
    /// Why the last write failed on the store's side, until a write or probe succeeds.
    failure: std::sync::Mutex<Option<String>>,
    /// What the start-up integrity check found; writes are refused until it is
    /// [`Integrity::Sound`].
    integrity: std::sync::Mutex<Integrity>,
}

impl Curator {
    /// A curator writing through `pool` (its own; one connection is all it uses), publishing into `snapshot`, which holds the store as of
    /// change-log position `seq` (read before the snapshot, so it is never newer than it;
    /// `None` makes the first write read the store whole).
    pub fn new(store: Store, snapshot: Arc<ArcSwap<Graph>>, seq: Option<i64>) -> Curator {
        let (events, _) = broadcast::channel(256);
        Curator {
            store,
            snapshot,
            writer: Mutex::new(seq),
            applied: std::sync::atomic::AtomicI64::new(seq.unwrap_or(-1)),
            events,
            failure: std::sync::Mutex::new(None),
            integrity: std::sync::Mutex::new(Integrity::Sound),
        }
    }

    /// What the start-up integrity check has found so far.
    pub fn integrity(&self) -> Integrity {
        self.integrity
            .lock()
            .map_or(Integrity::Damaged, |integrity| *integrity)
    }

    /// Records what the start-up integrity check has found; writes are taken only while it
    /// is [`Integrity::Sound`].
    pub fn set_integrity(&self, integrity: Integrity) {
        if let Ok(mut slot) = self.integrity.lock() {
            *slot = integrity;
        }
    }

    /// Why no write can be taken now, if so.
    fn unavailable(&self) -> Option<String> {
        match self.integrity() {
            Integrity::Sound => None,
            Integrity::Checking(since) => Some(format!(
                "the server is checking the database's integrity, as at every start \
                 ({} s so far); writes are taken once it passes: retry shortly",
                since.elapsed().as_secs()
            )),
            Integrity::Damaged => Some(
                "the database is damaged; the server takes no writes and is stopping".to_owned(),
            ),
        }
    }

    /// Why the store could not take the last write, while that is still so: after a failed
    /// write, a one-row probe write is tried (it clears this when the cause is gone).
    pub async fn write_failure(&self) -> Option<String> {
        let failure = self.failure.lock().ok()?.clone()?;
        match store::health::probe_write(&self.store).await {
            Ok(()) => {
                self.set_failure(None);
                None
            }
            Err(e) => {
                tracing::warn!(error = %e, "the store still refuses writes");
                Some(failure)
            }
        }
    }

    fn set_failure(&self, failure: Option<String>) {
        if let Ok(mut slot) = self.failure.lock() {
            *slot = failure;
        }
    }

    /// The change-log position the snapshot reflects, `None` when unknown.
    pub fn known(&self) -> Option<i64> {
        let seq = self.applied.load(std::sync::atomic::Ordering::Acquire);
        (seq >= 0).then_some(seq)
    }

    /// Records that the snapshot now reflects the log up to `seq`.
    fn set_known(&self, known: &mut Option<i64>, seq: i64) {
        *known = Some(seq);
        self.applied
            .store(seq, std::sync::atomic::Ordering::Release);
    }

    /// The snapshot readers use now.
    pub fn graph(&self) -> Arc<Graph> {
        self.snapshot.load_full()
    }

    /// Open `graphChanged` subscriptions.
    pub fn subscriber_count(&self) -> usize {
        self.events.receiver_count()
    }

    /// A stream of committed changes, for subscriptions.
    pub fn subscribe(&self) -> broadcast::Receiver<GraphChanged> {
        self.events.subscribe()
    }

    /// Applies `edits` (each labelled with its input field) as one transaction, all or nothing.
    pub async fn apply(&self, actor: &Actor, edits: &[(String, Edit)]) -> Result<Applied, Refusal> {
        let started = std::time::Instant::now();
        // Nothing is written before the start-up integrity check has passed (`Sound` is
        // final, so no write can slip in before a later verdict).
        let outcome = match self.unavailable() {
            Some(reason) => Err(Refusal::Unavailable(reason)),
            None => {
                let mut known = self.writer.lock().await;
                // A failed write ends by dropping its transaction, which closes the connection
                // (SQLite rolls back, even after a full disk), so no later write inherits its
                // state.
                match self.store.write().await {
                    Ok(tx) => self.apply_in(tx, &mut known, actor, edits).await,
                    Err(e) => Err(Refusal::Failed(e)),
                }
            }
        };
        let label = match &outcome {
            Ok(applied) if applied.changed.is_some() => "applied",
            Ok(_) => "unchanged",
            Err(Refusal::Rejected(_)) => "rejected",
            Err(Refusal::Failed(_)) => "failed",
            Err(Refusal::Unavailable(_)) => "unavailable",
        };
        crate::metrics::write(label, started.elapsed());
        match &outcome {
            Ok(_) => self.set_failure(None),
            Err(Refusal::Rejected(_) | Refusal::Unavailable(_)) => {}
            Err(Refusal::Failed(e)) => {
                tracing::error!(error = %e, "a write failed; its connection is closed");
                self.set_failure(Some(failure_class(e)));
            }
        }
        outcome
    }

    /// [`Curator::apply`] in the write transaction `tx`; `known` is the log position the
    /// snapshot reflects.
    async fn apply_in(
        &self,
        mut tx: Tx,
        known: &mut Option<i64>,
        actor: &Actor,
        edits: &[(String, Edit)],
    ) -> Result<Applied, Refusal> {
        let started = std::time::Instant::now();
        // Anyone else's writes (a CLI load or import, another server) first: the rules are
        // checked against the store as it is, and the write lock keeps it so until commit.
        let current = self.catch_up(&mut tx, known).await?;
        let texts = store::read_texts(&mut tx, &edit::documents_needed(edits)).await?;
        let read = started.elapsed();
        let (after, touched) = match edit::apply(&current, texts.clone(), edits) {
            Ok(applied) => applied,
            Err(problems) => {
                tx.rollback().await?;
                return Err(Refusal::Rejected(problems));
            }
        };
        let validated = started.elapsed();
        let before = Dataset::subset_of_graph(&current, &touched, &texts);
        let changes = dataset::changes(&before, &after, Some(&touched));
        if changes.is_empty() {
            tx.rollback().await?;
            return Ok(Applied {
                graph: current,
                changed: None,
            });
        }
        let seqs = store::write_changes(&mut tx, &changes, &actor.0).await?;
        let written = started.elapsed();
        let finals = changes.iter().map(|c| (c.id.clone(), c.after.clone()));
        let mut graph = current.apply(dataset::updates(finals))?;
        if let Some(&last) = seqs.last() {
            graph = graph.at_position(last);
        }
        let graph = Arc::new(graph);
        let built = started.elapsed();
        tx.commit().await?;
        self.snapshot.store(graph.clone());
        if let Some(&last) = seqs.last() {
            self.set_known(known, last);
        }
        tracing::debug!(
            ?read,
            ?validated,
            ?written,
            ?built,
            committed = ?started.elapsed(),
            changes = changes.len(),
            "write applied (times since the write began)"
        );
        let changed = GraphChanged {
            actor: actor.0.clone(),
            seqs,
            entities: changes.iter().map(|c| c.id.clone()).collect(),
            ops: changes.iter().map(|c| c.op().as_str()).collect(),
            skipped: 0,
        };
        // No subscriber is not an error.
        let _ = self.events.send(changed.clone());
        Ok(Applied {
            graph,
            changed: Some(changed),
        })
    }
}

/// What an operator is told about a failed write (the full cause is in the log).
fn failure_class(error: &Error) -> String {
    let text = error.to_string();
    if text.contains("disk is full") || text.contains("database or disk is full") {
        "the disk or the database is full".to_owned()
    } else if text.contains("readonly") || text.contains("read-only") {
        "the database is read-only".to_owned()
    } else {
        "the store failed (the cause is in the server log)".to_owned()
    }
}
