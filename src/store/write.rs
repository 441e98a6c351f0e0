//! Writing changes: only the entities that differ, inside the caller's write transaction,
//! each one logged with its before and after images.

use super::read::read_dataset_on;
use super::{Conn, Store, Tx};
use crate::corpus::Corpus;
use crate::dataset::{self, Change, Dataset, Entity, Op};
use crate::error::Result;
use crate::model::{Citation, Edge, Node, PartialDate};

/// What a sync changed, counted per entity (node or edge).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncReport {
    /// Entities that did not exist before.
    pub created: usize,
    /// Entities whose content changed.
    pub updated: usize,
    /// Entities that are no longer in the corpus.
    pub deleted: usize,
}

impl SyncReport {
    /// Counts `changes` by operation.
    pub fn of(changes: &[Change]) -> SyncReport {
        let mut report = SyncReport::default();
        for change in changes {
            match change.op() {
                Op::Create => report.created += 1,
                Op::Update => report.updated += 1,
                Op::Delete => report.deleted += 1,
            }
        }
        report
    }

    /// True when the store already held exactly the corpus.
    pub fn is_unchanged(&self) -> bool {
        self.created + self.updated + self.deleted == 0
    }
}

/// Whether a sync may overwrite changes others made since the last sync by the same actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Curated {
    /// Refuse (nothing is written) when such changes would be overwritten.
    Keep,
    /// Overwrite them; the change log still holds their images.
    Discard,
}

/// Makes the store hold exactly `corpus`, in one transaction, logging each change as `actor`.
///
/// Loading the same corpus twice writes nothing the second time: only entities whose stored
/// content differs are written. With [`Curated::Keep`], a sync that would overwrite changes
/// made by anyone else since `actor`'s last sync is refused, so curated work is never lost
/// silently.
pub async fn sync_corpus(
    store: &Store,
    corpus: &Corpus,
    actor: &str,
    curated: Curated,
) -> Result<SyncReport> {
    let mut tx = store.write().await?;
    let before = read_dataset_on(tx.conn()?).await?;
    let after = Dataset::from_corpus(corpus);
    let changes = dataset::changes(&before, &after, None);
    if changes.is_empty() {
        tx.rollback().await?;
        return Ok(SyncReport::default());
    }
    if curated == Curated::Keep {
        let others: Vec<(String, String)> = on_conn!(tx.conn()?, |c| {
            sqlx::query_as(
                "SELECT actor, max(at) FROM change_log
                 WHERE actor <> $1
                   AND seq > coalesce((SELECT max(seq) FROM change_log WHERE actor = $1), 0)
                 GROUP BY actor ORDER BY actor",
            )
            .bind(actor)
            .fetch_all(&mut *c)
            .await?
        });
        if !others.is_empty() {
            let who: Vec<String> = others
                .iter()
                .map(|(a, at)| format!("`{a}` (last at {at})"))
                .collect();
            return Err(crate::error::Error::Invalid(format!(
                "the database holds changes made since the last `{actor}` by {}; this load would \
                 overwrite them. Save them first with `policygraph export --format seeds --out DIR`, \
                 or pass --force to discard them (the change log keeps their images)",
                who.join(", ")
            )));
        }
    }
    write_changes_on(tx.conn()?, &changes, actor).await?;
    tx.commit().await?;
    Ok(SyncReport::of(&changes))
}

/// Writes `changes` and appends them to the change log as `actor`; returns the log sequence
/// numbers, one per change. The caller owns the transaction and commits it.
///
/// Order matters for the foreign keys: the old citations of every changed entity first, then
/// deletions (edges, then nodes, whose rows cascade), then node rows and source texts, then
/// edge rows, then every citation of what was written.
pub async fn write_changes(tx: &mut Tx, changes: &[Change], actor: &str) -> Result<Vec<i64>> {
    write_changes_on(tx.conn()?, changes, actor).await
}

/// [`write_changes`] on a connection of this module's.
async fn write_changes_on(conn: &mut Conn, changes: &[Change], actor: &str) -> Result<Vec<i64>> {
    // Citations of everything that changes go first: a document can only lose its text (or
    // be deleted) once nothing cites it any more.
    for change in changes {
        match &change.before {
            Some(Entity::Node { node, .. }) => {
                exec(
                    conn,
                    "DELETE FROM citations WHERE node_id = $1",
                    node.id.as_str(),
                )
                .await?;
            }
            Some(Entity::Edge(edge)) => {
                exec(conn, "DELETE FROM citations WHERE edge_id = $1", &edge.id()).await?;
            }
            None => {}
        }
    }
    for change in changes {
        if let (Some(Entity::Edge(old)), None) = (&change.before, &change.after) {
            exec(conn, "DELETE FROM edges WHERE id = $1", &old.id()).await?;
        }
    }
    for change in changes {
        if let (Some(Entity::Node { node, .. }), None) = (&change.before, &change.after) {
            exec(conn, "DELETE FROM nodes WHERE id = $1", node.id.as_str()).await?;
        }
    }
    for change in changes {
        if let Some(Entity::Node { node, text }) = &change.after {
            upsert_node(conn, node).await?;
            let id = node.id.as_str();
            match text {
                Some(text) => {
                    on_conn!(&mut *conn, |c| {
                        sqlx::query(
                            "INSERT INTO documents (node_id, path, text) VALUES ($1, $2, $3)
                             ON CONFLICT (node_id) DO UPDATE SET path = excluded.path,
                                                                  text = excluded.text",
                        )
                        .bind(id)
                        .bind(&text.path)
                        .bind(&text.text)
                        .execute(&mut *c)
                        .await?
                        .rows_affected()
                    });
                }
                None => exec(conn, "DELETE FROM documents WHERE node_id = $1", id).await?,
            }
        }
    }
    for change in changes {
        if let Some(Entity::Edge(edge)) = &change.after {
            upsert_edge(conn, edge).await?;
        }
    }
    for change in changes {
        match &change.after {
            Some(Entity::Node { node, .. }) => {
                for c in &node.citations {
                    insert_citation(conn, Some(node.id.as_str()), None, c).await?;
                }
            }
            Some(Entity::Edge(edge)) => {
                let id = edge.id();
                for c in &edge.citations {
                    insert_citation(conn, None, Some(&id), c).await?;
                }
            }
            None => {}
        }
    }
    super::search::update(conn, changes).await?;
    let mut seqs = Vec::with_capacity(changes.len());
    let log = format!(
        "INSERT INTO change_log (at, actor, op, entity, before, after)
         VALUES ({}, $1, $2, $3, $4, $5)
         RETURNING seq",
        conn.backend().log_time_sql()
    );
    for change in changes {
        let image = |e: &Option<Entity>| e.as_ref().map(|e| e.image().to_string());
        let seq: i64 = on_conn!(&mut *conn, |c| {
            sqlx::query_scalar(&log)
                .bind(actor)
                .bind(change.op().as_str())
                .bind(&change.id)
                .bind(image(&change.before))
                .bind(image(&change.after))
                .fetch_one(&mut *c)
                .await?
        });
        seqs.push(seq);
    }
    super::changes::notify(conn).await?;
    Ok(seqs)
}

async fn exec(conn: &mut Conn, sql: &str, id: &str) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(sql)
        .bind(id)
        .execute(&mut *c)
        .await?
        .rows_affected());
    Ok(())
}

/// A date as the store keeps it: its canonical text, `NULL` when absent.
fn text(date: &Option<PartialDate>) -> Option<String> {
    date.map(|d| d.to_string())
}

async fn upsert_node(conn: &mut Conn, n: &Node) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO nodes (id, kind, title, note, date, start_date, end_date, place, format)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, note = excluded.note,
             date = excluded.date, start_date = excluded.start_date,
             end_date = excluded.end_date, place = excluded.place, format = excluded.format",
    )
    .bind(n.id.as_str())
    .bind(n.kind().as_str())
    .bind(&n.title)
    .bind(&n.note)
    .bind(text(&n.date))
    .bind(text(&n.start))
    .bind(text(&n.end))
    .bind(&n.place)
    .bind(&n.format)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

async fn upsert_edge(conn: &mut Conn, e: &Edge) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO edges (id, source, kind, target, note, valid_from, valid_to)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (id) DO UPDATE
         SET note = excluded.note, valid_from = excluded.valid_from, valid_to = excluded.valid_to",
    )
    .bind(e.id())
    .bind(e.from.as_str())
    .bind(e.kind.as_str())
    .bind(e.to.as_str())
    .bind(&e.note)
    .bind(text(&e.valid_from))
    .bind(text(&e.valid_to))
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}

async fn insert_citation(
    conn: &mut Conn,
    node: Option<&str>,
    edge: Option<&str>,
    cite: &Citation,
) -> Result<()> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO citations
           (node_id, edge_id, document_id, quote, start_char, end_char, line, col, occurrences,
            excerpt)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(node)
    .bind(edge)
    .bind(cite.document.as_str())
    .bind(&cite.quote)
    .bind(i64::from(cite.start))
    .bind(i64::from(cite.end))
    .bind(i64::from(cite.line))
    .bind(i64::from(cite.column))
    .bind(i64::from(cite.occurrences))
    .bind(&cite.excerpt)
    .execute(&mut *c)
    .await?
    .rows_affected());
    Ok(())
}
