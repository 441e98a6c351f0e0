//! Bulk inserts for `policygraph import`: a validated [`Plan`] of new nodes and edges written
//! in one write transaction, then logged and indexed set-wise, so a million edges take
//! seconds. Each backend has its own fastest way: multi-row `INSERT`s with reused prepared
//! statements on SQLite, `unnest` of arrays on PostgreSQL.

mod postgres;
mod sqlite;

use std::collections::HashSet;

use super::{Pool, Store};

use crate::error::Result;
use crate::model::{EdgeKind, NodeId, NodeKind};

/// Reports rows written so far and the total.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// How often (in rows) writing progress is reported.
const REPORT_EVERY: u64 = 65_536;

/// A validated node of the input.
pub struct NewNode {
    /// Its full id.
    pub id: NodeId,
    /// Its kind.
    pub kind: NodeKind,
    /// Its title.
    pub title: String,
}

/// A validated edge; ends index [`Plan::ids`].
pub struct NewEdge {
    /// Index of the source in [`Plan::ids`].
    pub from: u32,
    /// What the link says.
    pub kind: EdgeKind,
    /// Index of the target in [`Plan::ids`].
    pub to: u32,
}

/// Everything to write, validated.
pub struct Plan {
    /// The nodes to create.
    pub nodes: Vec<NewNode>,
    /// Full ids of every node an edge can name: the new nodes first (same order as `nodes`),
    /// then store nodes that edges refer to.
    pub ids: Vec<String>,
    /// The edges to create.
    pub edges: Vec<NewEdge>,
}

/// Ids of every stored node.
pub async fn node_ids(store: &Store) -> Result<HashSet<String>> {
    let ids: Vec<String> = on_pool!(store, |p| {
        sqlx::query_scalar("SELECT id FROM nodes")
            .fetch_all(p)
            .await?
    });
    Ok(ids.into_iter().collect())
}

/// PART_OF and DEPENDS_ON edges already stored, as `(source, kind, target)` ids: what a bulk
/// import's cycle check must count.
pub async fn acyclic_edges(store: &Store) -> Result<Vec<(String, EdgeKind, String)>> {
    let rows: Vec<(String, String, String)> = on_pool!(store, |p| {
        sqlx::query_as(
            "SELECT source, kind, target FROM edges WHERE kind IN ('PART_OF', 'DEPENDS_ON')",
        )
        .fetch_all(p)
        .await?
    });
    Ok(rows
        .into_iter()
        .filter_map(|(s, k, t)| Some((s, EdgeKind::parse(&k)?, t)))
        .collect())
}

/// Writes `plan` in one transaction as `actor`. `stored` is how many nodes the store held
/// when the plan was validated: if another write landed since, nothing is written.
pub async fn write(
    store: &Store,
    plan: &Plan,
    stored: usize,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    match &store.pool {
        Pool::Sqlite(pool) => sqlite::write(pool, plan, stored, actor, progress).await,
        Pool::Postgres(_) => postgres::write(store, plan, stored, actor, progress).await,
    }
}

/// Checks, under the write lock, that no node was created since the plan was validated: a
/// new one could collide with the plan's.
fn unchanged_since_planned(plan: &Plan, taken: &[String], stored: usize) -> Result<()> {
    let fresh: HashSet<&str> = plan.nodes.iter().map(|n| n.id.as_str()).collect();
    if taken.iter().any(|id| fresh.contains(id.as_str())) || taken.len() != stored {
        return Err(crate::error::Error::Database(
            "the store changed while the CSV was read; run the import again".to_owned(),
        ));
    }
    Ok(())
}

/// Calls `progress` every [`REPORT_EVERY`] rows and at the end.
struct Reporter<'a> {
    progress: Progress<'a>,
    total: u64,
    done: u64,
    next: u64,
}

impl<'a> Reporter<'a> {
    fn new(progress: Progress<'a>, plan: &Plan) -> Reporter<'a> {
        let total = (plan.nodes.len() + plan.edges.len()) as u64;
        let mut reporter = Reporter {
            progress,
            total,
            done: 0,
            next: 0,
        };
        reporter.add(0);
        reporter
    }

    fn add(&mut self, rows: usize) {
        self.done += rows as u64;
        if self.done >= self.next || self.done == self.total {
            (self.progress)(self.done, self.total);
            self.next = self.done + REPORT_EVERY;
        }
    }

    fn finish(&mut self) {
        (self.progress)(self.total, self.total);
    }
}

/// The id `<from>/<KIND>/<to>` of a planned edge.
pub fn edge_id_text(ids: &[String], from: u32, kind: EdgeKind, to: u32) -> String {
    format!("{}/{kind}/{}", ids[from as usize], ids[to as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_ids_are_the_model_s_edge_ids() {
        let ids = vec!["goal:1".to_owned(), "goal:0".to_owned()];
        let (a, b) = (
            NodeId::parse("goal:1").expect("id"),
            NodeId::parse("goal:0").expect("id"),
        );
        assert_eq!(
            edge_id_text(&ids, 0, EdgeKind::PartOf, 1),
            crate::model::edge_id(&a, EdgeKind::PartOf, &b)
        );
    }
}
