//! Writing a validated corpus: one `BEGIN IMMEDIATE` transaction, idempotent, logged.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

use super::read::read_all;
use crate::corpus::Corpus;
use crate::error::Result;
use crate::model::{Citation, Edge, Node};

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
    /// True when the store already held exactly the corpus.
    pub fn is_unchanged(&self) -> bool {
        self.created + self.updated + self.deleted == 0
    }
}

/// The JSON image of every entity, keyed by id: what the change log records.
type Images = BTreeMap<String, Value>;

fn node_image(node: &Node, text: Option<(&str, &str)>) -> Value {
    let mut image = json!(node);
    if let Some((path, text)) = text {
        image["source_text"] = json!({ "path": path, "text": text });
    }
    image
}

fn images(nodes: &[Node], edges: &[Edge], texts: &BTreeMap<String, (String, String)>) -> Images {
    let nodes = nodes.iter().map(|n| {
        let text = texts
            .get(n.id.as_str())
            .map(|(p, t)| (p.as_str(), t.as_str()));
        (n.id.to_string(), node_image(n, text))
    });
    let edges = edges.iter().map(|e| (e.id(), json!(e)));
    nodes.chain(edges).collect()
}

/// Makes the store hold exactly `corpus`, in one transaction, logging each change as `actor`.
///
/// Loading the same corpus twice writes nothing the second time: the stored content is compared
/// first and the transaction only rewrites when something differs.
pub async fn sync_corpus(pool: &SqlitePool, corpus: &Corpus, actor: &str) -> Result<SyncReport> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let current = read_all(pool).await?;
    let stored_texts: BTreeMap<String, (String, String)> =
        sqlx::query("SELECT node_id, path, text FROM documents")
            .fetch_all(&mut *tx)
            .await?
            .into_iter()
            .map(|r| {
                Ok((
                    r.try_get("node_id")?,
                    (r.try_get("path")?, r.try_get("text")?),
                ))
            })
            .collect::<Result<_>>()?;
    let new_texts: BTreeMap<String, (String, String)> = corpus
        .sources
        .iter()
        .map(|s| (s.document.to_string(), (s.path.clone(), s.text.clone())))
        .collect();
    let before = images(&current.nodes, &current.edges, &stored_texts);
    let after = images(&corpus.nodes, &corpus.edges, &new_texts);

    let mut report = SyncReport::default();
    let mut log = Vec::new();
    for (id, new) in &after {
        match before.get(id) {
            None => {
                report.created += 1;
                log.push(("create", id, None, Some(new)));
            }
            Some(old) if old != new => {
                report.updated += 1;
                log.push(("update", id, Some(old), Some(new)));
            }
            Some(_) => {}
        }
    }
    for (id, old) in &before {
        if !after.contains_key(id) {
            report.deleted += 1;
            log.push(("delete", id, Some(old), None));
        }
    }
    if report.is_unchanged() {
        tx.rollback().await?;
        return Ok(report);
    }

    clear(&mut tx).await?;
    insert_corpus(&mut tx, corpus).await?;
    super::search::reindex(&mut tx, &corpus.nodes).await?;
    for (op, entity, old, new) in log {
        sqlx::query(
            "INSERT INTO change_log (actor, op, entity, before, after) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(actor)
        .bind(op)
        .bind(entity)
        .bind(old.map(Value::to_string))
        .bind(new.map(Value::to_string))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(report)
}

async fn clear(tx: &mut Transaction<'_, Sqlite>) -> Result<()> {
    for table in ["citations", "edges", "documents", "nodes"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn insert_corpus(tx: &mut Transaction<'_, Sqlite>, corpus: &Corpus) -> Result<()> {
    let text = |d: &Option<crate::model::PartialDate>| d.map(|d| d.to_string());
    for n in &corpus.nodes {
        sqlx::query(
            "INSERT INTO nodes (id, kind, title, note, date, start_date, end_date, place, format)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .execute(&mut **tx)
        .await?;
    }
    for s in &corpus.sources {
        sqlx::query("INSERT INTO documents (node_id, path, text) VALUES (?, ?, ?)")
            .bind(s.document.as_str())
            .bind(&s.path)
            .bind(&s.text)
            .execute(&mut **tx)
            .await?;
    }
    for e in &corpus.edges {
        sqlx::query("INSERT INTO edges (id, source, kind, target, note) VALUES (?, ?, ?, ?, ?)")
            .bind(e.id())
            .bind(e.from.as_str())
            .bind(e.kind.as_str())
            .bind(e.to.as_str())
            .bind(&e.note)
            .execute(&mut **tx)
            .await?;
    }
    for n in &corpus.nodes {
        for c in &n.citations {
            insert_citation(tx, Some(n.id.as_str()), None, c).await?;
        }
    }
    for e in &corpus.edges {
        let id = e.id();
        for c in &e.citations {
            insert_citation(tx, None, Some(&id), c).await?;
        }
    }
    Ok(())
}

async fn insert_citation(
    tx: &mut Transaction<'_, Sqlite>,
    node: Option<&str>,
    edge: Option<&str>,
    c: &Citation,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO citations
           (node_id, edge_id, document_id, quote, start_char, end_char, line, col, occurrences,
            excerpt)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(node)
    .bind(edge)
    .bind(c.document.as_str())
    .bind(&c.quote)
    .bind(c.start)
    .bind(c.end)
    .bind(c.line)
    .bind(c.column)
    .bind(c.occurrences)
    .bind(&c.excerpt)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
