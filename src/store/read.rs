//! Reading the whole graph (for the in-memory snapshot) and single documents.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Backend, Conn, Store, Tx, to_u32};
use sqlx::Row;

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

/// A `nodes` row as the store's JSON aggregate writes it: id, title, note, date, start, end,
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

/// An `edges` row as the store's JSON aggregate writes it: source, kind, target, note, valid_from,
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

/// A `citations` row as read, before its numbers are checked.
struct CitationRow {
    node: Option<String>,
    edge: Option<String>,
    document: String,
    quote: String,
    /// start_char, end_char, line, col, occurrences.
    numbers: [i64; 5],
    excerpt: String,
}

/// Reads the whole graph in one read transaction, so the result is a consistent snapshot.
pub async fn read_all(store: &Store) -> Result<Contents> {
    let mut tx = store.read().await?;
    let contents = read_contents(tx.conn()?).await?;
    tx.commit().await?;
    Ok(contents)
}

/// Reads the whole graph and the change-log position it reflects, in one read transaction, so
/// a follower applying the log from that position neither misses nor repeats a change.
pub async fn read_all_at(store: &Store) -> Result<(Contents, i64)> {
    let mut tx = store.read().await?;
    let read = read_at(&mut tx).await?;
    tx.commit().await?;
    Ok(read)
}

/// [`read_all_at`] inside the caller's transaction.
pub async fn read_at(tx: &mut Tx) -> Result<(Contents, i64)> {
    let conn = tx.conn()?;
    let seq = super::changes::last_seq_on(conn).await?;
    let contents = read_contents(conn).await?;
    Ok((contents, seq))
}

/// Reads the whole graph and every source text, inside the caller's transaction.
pub async fn read_dataset(tx: &mut Tx) -> Result<Dataset> {
    read_dataset_on(tx.conn()?).await
}

/// [`read_dataset`] on a connection of this module's.
pub(super) async fn read_dataset_on(conn: &mut Conn) -> Result<Dataset> {
    let contents = read_contents(conn).await?;
    let rows: Vec<(String, String, String)> = on_conn!(conn, |c| {
        sqlx::query_as("SELECT node_id, path, text FROM documents")
            .fetch_all(&mut *c)
            .await?
    });
    let mut texts = BTreeMap::new();
    for (node_id, path, text) in rows {
        let document = id(&node_id)?;
        let source = SourceText {
            document: document.clone(),
            path,
            text,
        };
        texts.insert(node_id, source);
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
    let conn = tx.conn()?;
    let mut texts = BTreeMap::new();
    for document in documents {
        let row: Option<(String, String)> = on_conn!(&mut *conn, |c| {
            sqlx::query_as("SELECT path, text FROM documents WHERE node_id = $1")
                .bind(document)
                .fetch_optional(&mut *c)
                .await?
        });
        if let Some((path, text)) = row {
            let source = SourceText {
                document: id(document)?,
                path,
                text,
            };
            texts.insert(document.clone(), source);
        }
    }
    Ok(texts)
}

/// Reads every node and edge with its citations, inside the caller's transaction.
pub(super) async fn read_contents(conn: &mut Conn) -> Result<Contents> {
    let backend = conn.backend();
    let mut node_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let mut edge_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let rows: Vec<CitationRow> = on_conn!(&mut *conn, |c| {
        sqlx::query(
            "SELECT node_id, edge_id, document_id, quote, start_char, end_char, line, col,
                    occurrences, excerpt
             FROM citations ORDER BY id",
        )
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .map(|row| {
            Ok(CitationRow {
                node: row.try_get("node_id")?,
                edge: row.try_get("edge_id")?,
                document: row.try_get("document_id")?,
                quote: row.try_get("quote")?,
                numbers: [
                    row.try_get("start_char")?,
                    row.try_get("end_char")?,
                    row.try_get("line")?,
                    row.try_get("col")?,
                    row.try_get("occurrences")?,
                ],
                excerpt: row.try_get("excerpt")?,
            })
        })
        .collect::<Result<_>>()?
    });
    for row in rows {
        let [start, end, line, column, occurrences] = row.numbers;
        let citation = Citation {
            document: id(&row.document)?,
            quote: row.quote,
            start: to_u32(start, "start_char")?,
            end: to_u32(end, "end_char")?,
            line: to_u32(line, "line")?,
            column: to_u32(column, "col")?,
            occurrences: to_u32(occurrences, "occurrences")?,
            excerpt: row.excerpt,
        };
        match (row.node, row.edge) {
            (Some(n), _) => node_citations.entry(n).or_default().push(citation),
            (None, Some(e)) => edge_citations.entry(e).or_default().push(citation),
            (None, None) => return Err(corrupt("a citation with neither node nor edge")),
        }
    }

    // Nodes and edges come back as one JSON array each, built by the database: sqlx hands
    // every SQLite result row from its worker thread to the async side one by one, which made
    // reading a million edges row by row take seconds of thread hand-offs (perf: futex and
    // scheduler). SQLite's aggregate keeps the order of the sorted subquery (an `ORDER BY`
    // inside the aggregate would sort again: +0.7 s at 1m edges); the test
    // `reading_returns_nodes_and_edges_in_id_order` guards that for the bundled SQLite.
    // PostgreSQL sorts inside the aggregate, bytewise (`COLLATE "C"`) as SQLite does.
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT coalesce(json_group_array(json_array(id, title, note, date, start_date,
                                                          end_date, place, format)), '[]')
             FROM (SELECT * FROM nodes ORDER BY id)"
        }
        Backend::Postgres => {
            "SELECT coalesce(json_agg(json_build_array(id, title, note, date, start_date,
                                                       end_date, place, format)
                                      ORDER BY id COLLATE \"C\"), '[]')::text
             FROM nodes"
        }
    };
    let json: String = on_conn!(&mut *conn, |c| {
        sqlx::query_scalar(sql).fetch_one(&mut *c).await?
    });
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

    let sql = match backend {
        Backend::Sqlite => {
            "SELECT coalesce(json_group_array(json_array(source, kind, target, note, valid_from,
                                                          valid_to)), '[]')
             FROM (SELECT source, kind, target, note, valid_from, valid_to FROM edges
                   ORDER BY id)"
        }
        Backend::Postgres => {
            "SELECT coalesce(json_agg(json_build_array(source, kind, target, note, valid_from,
                                                       valid_to)
                                      ORDER BY id COLLATE \"C\"), '[]')::text
             FROM edges"
        }
    };
    let json: String = on_conn!(&mut *conn, |c| {
        sqlx::query_scalar(sql).fetch_one(&mut *c).await?
    });
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

    let sql = match backend {
        Backend::Sqlite => "SELECT node_id, path FROM documents ORDER BY node_id",
        Backend::Postgres => "SELECT node_id, path FROM documents ORDER BY node_id COLLATE \"C\"",
    };
    let rows: Vec<(String, String)> = on_conn!(&mut *conn, |c| {
        sqlx::query_as(sql).fetch_all(&mut *c).await?
    });
    let texts = rows
        .into_iter()
        .map(|(node_id, path)| Ok((id(&node_id)?, path)))
        .collect::<Result<Vec<_>>>()?;
    Ok(Contents {
        nodes,
        edges,
        texts,
    })
}
