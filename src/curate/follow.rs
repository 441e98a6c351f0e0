//! Following the change log: every serving process applies the writes of every other process
//! (a CLI `load` or `import`, another server on the same file or PostgreSQL database) to its
//! snapshot within one poll interval (on PostgreSQL, as soon as the commit is announced), and
//! tells its `graphChanged` subscribers. The log's sequence number is the truth:
//! a process remembers the last entry its snapshot reflects and applies the newer ones.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::{Curator, GraphChanged};
use crate::dataset::{self, Entity};
use crate::error::{Error, Result};
use crate::graph::Graph;
use crate::store::{self, Store, Tx, changes::LogEntry};

/// At most this many log entries are patched into the snapshot; a larger change (a forced
/// load, a bulk import) is read from the store whole instead.
const PATCH_LIMIT: i64 = store::changes::PATCHED_AT_MOST as i64;

/// When the snapshot's overlay holds this many changes, it is folded into a new base.
const COMPACT_AFTER: usize = 20_000;

/// The `create` / `update` / `delete` spelling, borrowed for the event.
fn op_name(op: &str) -> &'static str {
    match op {
        "create" => "create",
        "delete" => "delete",
        _ => "update",
    }
}

/// The snapshot with `entries` applied, `None` when an entry cannot be read back (then the
/// store is read whole).
fn patch(graph: &Graph, entries: &[LogEntry]) -> Option<Graph> {
    // The final state of each entity, in first-touched order: entries of several writes
    // interleave, and only the net effect is applied.
    let mut finals: Vec<(String, Option<Entity>)> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for entry in entries {
        let state = match (entry.op.as_str(), &entry.after) {
            ("delete", _) => None,
            // A large import, logged as one entry without images: read whole.
            ("import", _) => return None,
            (_, Some(image)) => Some(Entity::from_image(&entry.entity, image)?),
            (_, None) => return None,
        };
        match at.get(entry.entity.as_str()) {
            Some(&i) => finals[i].1 = state,
            None => {
                at.insert(&entry.entity, finals.len());
                finals.push((entry.entity.clone(), state));
            }
        }
    }
    graph.apply(dataset::updates(finals)).ok()
}

impl Curator {
    /// Brings the snapshot up to the store's log position, reading inside the caller's
    /// transaction; publishes and returns it. `known` is the position the snapshot reflects.
    pub(super) async fn catch_up(
        &self,
        tx: &mut Tx,
        known: &mut Option<i64>,
    ) -> Result<Arc<Graph>> {
        let seq = store::changes::last_seq(tx).await?;
        let current = self.graph();
        if *known == Some(seq) {
            return Ok(current);
        }
        let patched = match *known {
            Some(k) if seq > k && seq - k <= PATCH_LIMIT => {
                let entries = store::changes::read_range(tx, k, seq).await?;
                patch(&current, &entries).map(|graph| (graph, entries))
            }
            _ => None,
        };
        let graph = match patched {
            Some((graph, entries)) => {
                self.announce(&entries);
                Arc::new(graph.at_position(seq))
            }
            None => {
                // The position the read reflects is the one to publish: on a file it is read
                // in a transaction of its own, which may see a later commit than `seq`.
                let (graph, at) = store::read_graph_beside(&self.store, tx).await?;
                let _ = self.events.send(GraphChanged {
                    actor: String::new(),
                    seqs: Vec::new(),
                    entities: Vec::new(),
                    ops: Vec::new(),
                    skipped: at - known.unwrap_or(0),
                });
                tracing::info!(from = ?known, to = at, "snapshot rebuilt from the store");
                self.snapshot.store(Arc::new(graph.at_position(at)));
                self.set_known(known, at);
                crate::graph::report::prepare(self.graph(), crate::model::PartialDate::today());
                return Ok(self.graph());
            }
        };
        self.snapshot.store(graph.clone());
        self.set_known(known, seq);
        Ok(graph)
    }

    /// Tells subscribers about entries another process wrote, one event per run of one actor.
    fn announce(&self, entries: &[LogEntry]) {
        for run in entries.chunk_by(|a, b| a.actor == b.actor) {
            let _ = self.events.send(GraphChanged {
                actor: run[0].actor.clone(),
                seqs: run.iter().map(|e| e.seq).collect(),
                entities: run.iter().map(|e| e.entity.clone()).collect(),
                ops: run.iter().map(|e| op_name(&e.op)).collect(),
                skipped: 0,
            });
        }
    }

    /// Applies whatever other processes wrote since the snapshot; a no-op when nothing did.
    pub async fn follow(&self) -> Result<()> {
        let mut known = self.writer.lock().await;
        let mut tx = self.store.read().await?;
        self.catch_up(&mut tx, &mut known).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Folds the snapshot's overlay into a new base once it has grown, off the async threads;
    /// writes wait for it, reads do not.
    pub async fn compact_if_grown(&self) -> Result<()> {
        if self.graph().overlay_size() < COMPACT_AFTER {
            return Ok(());
        }
        let _writer = self.writer.lock().await;
        let current = self.graph();
        let compacted = tokio::task::spawn_blocking(move || current.compact())
            .await
            .map_err(|e| Error::Database(format!("compacting the snapshot: {e}")))??;
        self.snapshot.store(Arc::new(compacted));
        Ok(())
    }

    /// Follows the log every `every` (and compacts when due) for as long as the curator
    /// lives, and at once when PostgreSQL reports a commit (`LISTEN`). The poll reads one
    /// integer through `reads`, so it never waits for a write; it stays the backstop, since a
    /// notification can be lost with its connection.
    pub fn spawn_follower(self: &Arc<Self>, reads: Store, every: Duration) {
        let curator: Weak<Curator> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut wakeup = Listening::new(reads.clone()).await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    () = wakeup.next() => {}
                }
                let Some(curator) = curator.upgrade() else {
                    return;
                };
                let moved = match store::changes::position(&reads).await {
                    Ok(seq) => curator.known() != Some(seq),
                    Err(_) => false,
                };
                if moved {
                    if let Err(e) = curator.follow().await {
                        tracing::warn!(error = %e, "could not follow the change log");
                    }
                }
                if let Err(e) = curator.compact_if_grown().await {
                    tracing::warn!(error = %e, "could not compact the snapshot");
                }
                wakeup.retry_if_lost().await;
            }
        });
    }
}

/// How long a follower waits before listening again after its `LISTEN` connection failed.
const LISTEN_RETRY: Duration = Duration::from_secs(5);

/// A follower's `LISTEN` on PostgreSQL, re-established after a failure; never wakes on SQLite.
struct Listening {
    store: Store,
    wakeup: Option<store::changes::Wakeup>,
    /// When the last attempt to listen failed.
    failed_at: Option<std::time::Instant>,
}

impl Listening {
    async fn new(store: Store) -> Listening {
        let mut listening = Listening {
            store,
            wakeup: None,
            failed_at: None,
        };
        listening.listen().await;
        listening
    }

    async fn listen(&mut self) {
        match store::changes::Wakeup::listen(&self.store).await {
            Ok(wakeup) => {
                self.wakeup = wakeup;
                self.failed_at = None;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for changes; polling only for now");
                self.failed_at = Some(std::time::Instant::now());
            }
        }
    }

    /// Resolves on the next notification (or a reconnection, after which changes may have
    /// been missed); never while not listening.
    async fn next(&mut self) {
        let Some(wakeup) = self.wakeup.as_mut() else {
            return std::future::pending().await;
        };
        if let Err(e) = wakeup.next().await {
            tracing::warn!(error = %e, "lost the change notifications; polling only for now");
            self.wakeup = None;
            self.failed_at = Some(std::time::Instant::now());
        }
    }

    /// Listens again once [`LISTEN_RETRY`] has passed since a failure.
    async fn retry_if_lost(&mut self) {
        if self
            .failed_at
            .is_some_and(|failed| failed.elapsed() >= LISTEN_RETRY)
        {
            self.listen().await;
        }
    }
}
