//! Reading the whole graph (for the in-memory snapshot) and single documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Store, Tx};
use sqlx::{Row, SqliteConnection};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
pub use crate::graph::Contents;
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, PartialDate, SourceText, edge_id};

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Database(format!("stored data is invalid: {what}"))
}

fn id(text: &str) -> Result<NodeId> {
    NodeId::parse(text).map_err(corrupt)
}

fn date(text: Option<&str>) -> Result<Option<PartialDate>> {
    text.map(|t| PartialDate::parse(t).map_err(corrupt))
        .transpose()
}

/// A `nodes` row as SQLite's `json_array` writes it: id, title, note, date, start, end,
/// place, format. Ids and dates never need JSON escapes, so they are borrowed.
#[derive(serde::Deserialize)]
struct NodeRow<'a>(
    &'a str,
    String,
    Option<String>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<String>,
    Option<String>,
);

/// An `edges` row as SQLite's `json_array` writes it: source, kind, target, note, valid_from,
/// valid_to.
#[derive(serde::Deserialize)]
struct EdgeRow<'a>(
    &'a str,
    &'a str,
    &'a str,
    Option<String>,
    Option<&'a str>,
    Option<&'a str>,
);

/// Reads the whole graph in one read transaction, so the result is a consistent snapshot.
pub async fn read_all(store: &Store) -> Result<Contents> {
    let pool = &store.pool;
    let mut tx = pool.begin().await?;
    let contents = read_contents(&mut tx).await?;
    tx.commit().await?;
    Ok(contents)
}

/// Reads the whole graph and the change-log position it reflects, in one read transaction, so
/// a follower applying the log from that position neither misses nor repeats a change.
pub async fn read_all_at(store: &Store) -> Result<(Contents, i64)> {
    let pool = &store.pool;
    let mut tx = pool.begin().await?;
    let read = read_at_on(&mut tx).await?;
    tx.commit().await?;
    Ok(read)
}

/// [`read_all_at`] inside the caller's transaction.
pub async fn read_at(tx: &mut Tx) -> Result<(Contents, i64)> {
    read_at_on(tx.conn()?).await
}

async fn read_at_on(tx: &mut SqliteConnection) -> Result<(Contents, i64)> {
    let seq = super::changes::last_seq_on(&mut *tx).await?;
    let contents = read_contents(&mut *tx).await?;
    Ok((contents, seq))
}

/// Reads the whole graph and every source text, inside the caller's transaction.
pub async fn read_dataset(tx: &mut Tx) -> Result<Dataset> {
    read_dataset_on(tx.conn()?).await
}

/// [`read_dataset`] on a connection of this module's.
pub(super) async fn read_dataset_on(tx: &mut SqliteConnection) -> Result<Dataset> {
    let contents = read_contents(&mut *tx).await?;
    let rows = sqlx::query("SELECT node_id, path, text FROM documents")
        .fetch_all(&mut *tx)
        .await?;
    let mut texts = BTreeMap::new();
    for row in rows {
        let document = id(row.try_get("node_id")?)?;
        let source = SourceText {
            document: document.clone(),
            path: row.try_get("path")?,
            text: row.try_get("text")?,
        };
        texts.insert(document.to_string(), source);
    }
    Ok(Dataset {
        nodes: contents
            .nodes
            .into_iter()
            .map(|n| (n.id.to_string(), n))
            .collect(),
        edges: contents.edges.into_iter().map(|e| (e.id(), e)).collect(),
        texts,
    })
}

/// The stored source texts of `documents` (ids without a text are skipped).
pub async fn read_texts(
    tx: &mut Tx,
    documents: &BTreeSet<String>,
) -> Result<BTreeMap<String, SourceText>> {
    let tx = tx.conn()?;
    let mut texts = BTreeMap::new();
    for document in documents {
        let row = sqlx::query("SELECT path, text FROM documents WHERE node_id = ?")
            .bind(document)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = row {
            let source = SourceText {
                document: id(document)?,
                path: row.try_get("path")?,
                text: row.try_get("text")?,
            };
            texts.insert(document.clone(), source);
        }
    }
    Ok(texts)
}

/// Reads every node and edge with its citations, inside the caller's transaction.
pub(super) async fn read_contents(tx: &mut SqliteConnection) -> Result<Contents> {
    let mut node_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let mut edge_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT node_id, edge_id, document_id, quote, start_char, end_char, line, col, occurrences,
                excerpt
         FROM citations ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    for row in rows {
        let citation = Citation {
            document: id(row.try_get("document_id")?)?,
            quote: row.try_get("quote")?,
            start: row.try_get("start_char")?,
            end: row.try_get("end_char")?,
            line: row.try_get("line")?,
            column: row.try_get("col")?,
            occurrences: row.try_get("occurrences")?,
            excerpt: row.try_get("excerpt")?,
        };
        let node: Option<String> = row.try_get("node_id")?;
        let edge: Option<String> = row.try_get("edge_id")?;
        match (node, edge) {
            (Some(n), _) => node_citations.entry(n).or_default().push(citation),
            (None, Some(e)) => edge_citations.entry(e).or_default().push(citation),
            (None, None) => return Err(corrupt("a citation with neither node nor edge")),
        }
    }

    // Nodes and edges come back as one JSON array each, built by SQLite: sqlx hands every
    // result row from its worker thread to the async side one by one, which made reading a
    // million edges row by row take seconds of thread hand-offs (perf: futex and scheduler).
    // The aggregate keeps the order of the sorted subquery, as SQLite implements it (an
    // `ORDER BY` inside the aggregate would sort again: +0.7 s at 1m edges); the test
    // `reading_returns_nodes_and_edges_in_id_order` guards that for the bundled SQLite.
    let json: String = sqlx::query_scalar(
        "SELECT coalesce(json_group_array(json_array(id, title, note, date, start_date, end_date,
                                                      place, format)), '[]')
         FROM (SELECT * FROM nodes ORDER BY id)",
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<NodeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
    let mut nodes = Vec::with_capacity(rows.len());
    for row in rows {
        nodes.push(Node {
            id: id(row.0)?,
            title: row.1,
            note: row.2,
            date: date(row.3)?,
            start: date(row.4)?,
            end: date(row.5)?,
            place: row.6,
            format: row.7,
            citations: node_citations.remove(row.0).unwrap_or_default(),
        });
    }
    drop(json);
    // Edge ends share the text of their node's id.
    let known: HashMap<&str, &NodeId> = nodes.iter().map(|n| (n.id.as_str(), &n.id)).collect();
    let end = |text: &str| {
        known
            .get(text)
            .map_or_else(|| id(text), |&id| Ok(id.clone()))
    };

    let json: String = sqlx::query_scalar(
        "SELECT coalesce(json_group_array(json_array(source, kind, target, note, valid_from,
                                                      valid_to)), '[]')
         FROM (SELECT source, kind, target, note, valid_from, valid_to FROM edges ORDER BY id)",
    )
    .fetch_one(&mut *tx)
    .await?;
    let rows: Vec<EdgeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
    let mut edges = Vec::with_capacity(rows.len());
    for row in rows {
        let (from, to) = (end(row.0)?, end(row.2)?);
        let kind = EdgeKind::parse(row.1).ok_or_else(|| corrupt(format!("edge kind {}", row.1)))?;
        // Most edges (all imported ones) have no citation: build the id only while some wait.
        let citations = if edge_citations.is_empty() {
            Vec::new()
        } else {
            edge_citations
                .remove(&edge_id(&from, kind, &to))
                .unwrap_or_default()
        };
        edges.push(Edge {
            from,
            kind,
            to,
            note: row.3,
            valid_from: date(row.4)?,
            valid_to: date(row.5)?,
            citations,
        });
    }
    drop(json);
    drop(known);

    let rows = sqlx::query("SELECT node_id, path FROM documents ORDER BY node_id")
        .fetch_all(&mut *tx)
        .await?;
    let texts = rows
        .into_iter()
        .map(|row| Ok((id(row.try_get("node_id")?)?, row.try_get("path")?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Contents {
        nodes,
        edges,
        texts,
    })
}
