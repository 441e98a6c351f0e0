//! Bulk inserts for `policygraph import`: a validated [`Plan`] of new nodes and edges written
//! in one write transaction, then logged and indexed set-wise, so a million edges take
//! seconds. Each backend has its own fastest way: prepared single-row `INSERT`s through
//! SQLite's C API on the file, `unnest` of arrays on PostgreSQL.

mod postgres;
mod sqlite;

use std::collections::HashSet;

use super::{Pool, Store};

use crate::error::{Error, Result};
use crate::model::{EdgeKind, NodeKind};

/// Reports rows written so far and the total.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Send + Sync);

/// How often (in rows) writing progress is reported.
const REPORT_EVERY: u64 = 65_536;

/// A validated node of the input; its id is [`Plan::ids`] at the same position.
pub struct NewNode {
    /// Its kind.
    pub kind: NodeKind,
    /// Its title.
    pub title: String,
    /// The input line that declared it (for error messages).
    pub line: u32,
}

/// A validated edge; ends index [`Plan::ids`].
pub struct NewEdge {
    /// Index of the source in [`Plan::ids`].
    pub from: u32,
    /// What the link says.
    pub kind: EdgeKind,
    /// Index of the target in [`Plan::ids`].
    pub to: u32,
    /// The input line that declared it (for error messages).
    pub line: u32,
}

/// Everything to write, validated.
#[derive(Default)]
pub struct Plan {
    /// The nodes to create.
    pub nodes: Vec<NewNode>,
    /// Full ids of every node an edge can name: the new nodes first (same order as `nodes`),
    /// then store nodes that edges refer to.
    pub ids: Vec<String>,
    /// The edges to create.
    pub edges: Vec<NewEdge>,
}

impl Plan {
    /// Is the plan logged as one `import` entry rather than an entry per node and edge?
    /// Above [`PATCHED_AT_MOST`](crate::store::changes::PATCHED_AT_MOST), where no follower
    /// would patch them one by one.
    fn logged_whole(&self) -> bool {
        self.nodes.len() + self.edges.len() > crate::store::changes::PATCHED_AT_MOST
    }

    /// Puts the nodes in id order and the edges in `(source, kind, target)` order, the order
    /// of the store's unique indexes, so inserts append to those B-trees instead of splitting
    /// pages all over them (at 10m edges, random order is several times slower). Equal ids
    /// and equal edges end up side by side, in input order, where validation finds them.
    pub fn sort(&mut self) {
        let new = self.nodes.len();
        let mut order: Vec<u32> = (0..new as u32).collect();
        order.sort_by(|&a, &b| self.ids[a as usize].cmp(&self.ids[b as usize]));
        let mut moved_to = vec![0u32; new];
        for (to, &from) in order.iter().enumerate() {
            moved_to[from as usize] = to as u32;
        }
        let nodes = order
            .iter()
            .map(|&i| {
                let node = &mut self.nodes[i as usize];
                NewNode {
                    kind: node.kind,
                    title: std::mem::take(&mut node.title),
                    line: node.line,
                }
            })
            .collect();
        self.nodes = nodes;
        let ids: Vec<String> = order
            .iter()
            .map(|&i| std::mem::take(&mut self.ids[i as usize]))
            .collect();
        self.ids.splice(..new, ids);
        drop(order);
        let placed = |ix: u32| moved_to.get(ix as usize).copied().unwrap_or(ix);
        for edge in &mut self.edges {
            edge.from = placed(edge.from);
            edge.to = placed(edge.to);
        }
        drop(moved_to);

        // Ranks in text order of every id, stored ones included (few, appended after a sorted
        // run: the stable sort merges them in one pass).
        let mut by_text: Vec<u32> = (0..self.ids.len() as u32).collect();
        by_text.sort_by(|&a, &b| self.ids[a as usize].cmp(&self.ids[b as usize]));
        let mut rank = vec![0u32; self.ids.len()];
        for (r, &i) in by_text.iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        drop(by_text);
        // Kinds by their text, as the index orders them.
        let mut kind_rank = vec![0u8; EdgeKind::ALL.len()];
        for &kind in EdgeKind::ALL {
            kind_rank[kind as usize] = EdgeKind::ALL
                .iter()
                .filter(|k| k.as_str() < kind.as_str())
                .count() as u8;
        }
        // Stable: equal edges stay in input order.
        self.edges.sort_by_key(|e| {
            (
                rank[e.from as usize],
                kind_rank[e.kind as usize],
                rank[e.to as usize],
            )
        });
    }
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
        Pool::Sqlite(_) => {
            let file = store.sqlite_file().ok_or_else(|| {
                Error::Database("an import needs a database file, not an in-memory one".to_owned())
            })?;
            blocking(|| sqlite::write(&file, plan, stored, actor, progress))
        }
        Pool::Postgres(_) => postgres::write(store, plan, stored, actor, progress).await,
    }
}

/// Runs blocking work off the async workers when the runtime has others (`block_in_place`),
/// inline on a single-threaded one.
pub(crate) fn blocking<T>(work: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// Checks, under the write lock, that no node was created since the plan was validated: a
/// new one could collide with the plan's.
fn unchanged_since_planned(plan: &Plan, taken: &[String], stored: usize) -> Result<()> {
    // The new ids are in order (`Plan::sort`).
    let fresh = &plan.ids[..plan.nodes.len()];
    if taken.iter().any(|id| fresh.binary_search(id).is_ok()) || taken.len() != stored {
        return Err(Error::Database(
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
    use crate::model::NodeId;

    fn node(title: &str, line: u32) -> NewNode {
        NewNode {
            kind: NodeKind::Goal,
            title: title.to_owned(),
            line,
        }
    }

    fn edge(from: u32, kind: EdgeKind, to: u32, line: u32) -> NewEdge {
        NewEdge {
            from,
            kind,
            to,
            line,
        }
    }

    /// The plan's edges as `(source, kind, target, line)` texts.
    fn edges(plan: &Plan) -> Vec<(&str, &str, &str, u32)> {
        plan.edges
            .iter()
            .map(|e| {
                let (from, to) = (&plan.ids[e.from as usize], &plan.ids[e.to as usize]);
                (from.as_str(), e.kind.as_str(), to.as_str(), e.line)
            })
            .collect()
    }

    #[test]
    fn sorting_puts_nodes_in_id_order_and_edges_in_index_order_keeping_their_ends() {
        // Nodes 10, 2, 1 (text order: 1 < 10 < 2), then a stored node named by an edge.
        let mut plan = Plan {
            nodes: vec![node("ten", 2), node("two", 3), node("one", 4)],
            ids: ["goal:10", "goal:2", "goal:1", "goal:0"]
                .map(String::from)
                .to_vec(),
            edges: vec![
                edge(1, EdgeKind::PartOf, 3, 2),
                edge(0, EdgeKind::PartOf, 3, 3),
                edge(1, EdgeKind::DependsOn, 0, 4),
                edge(2, EdgeKind::PartOf, 1, 5),
            ],
        };

        plan.sort();

        assert_eq!(plan.ids, ["goal:1", "goal:10", "goal:2", "goal:0"]);
        let titles: Vec<(&str, u32)> = plan
            .nodes
            .iter()
            .map(|n| (n.title.as_str(), n.line))
            .collect();
        assert_eq!(titles, [("one", 4), ("ten", 2), ("two", 3)]);
        // By source text, then kind text (DEPENDS_ON < PART_OF), then target text.
        assert_eq!(
            edges(&plan),
            [
                ("goal:1", "PART_OF", "goal:2", 5),
                ("goal:10", "PART_OF", "goal:0", 3),
                ("goal:2", "DEPENDS_ON", "goal:10", 4),
                ("goal:2", "PART_OF", "goal:0", 2),
            ]
        );
    }

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
