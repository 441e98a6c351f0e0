//! Reading the whole graph (for the in-memory snapshot) and single documents.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::model::{Citation, Edge, EdgeKind, Node, NodeId, PartialDate, SourceText};

/// Everything the graph snapshot is built from.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Contents {
    /// Every node with its citations, ordered by id.
    pub nodes: Vec<Node>,
    /// Every edge with its citations, ordered by id.
    pub edges: Vec<Edge>,
    /// Ids of the documents that have a stored source text, with its path.
    pub texts: Vec<(NodeId, String)>,
}

fn corrupt(what: impl std::fmt::Display) -> Error {
    Error::Database(format!("stored data is invalid: {what}"))
}

fn id(text: &str) -> Result<NodeId> {
    NodeId::parse(text).map_err(corrupt)
}

fn date(text: Option<String>) -> Result<Option<PartialDate>> {
    text.map(|t| PartialDate::parse(&t).map_err(corrupt))
        .transpose()
}

/// Reads the whole graph in one read transaction, so the result is a consistent snapshot.
pub async fn read_all(pool: &SqlitePool) -> Result<Contents> {
    let mut tx = pool.begin().await?;
    let contents = read_contents(&mut tx).await?;
    tx.commit().await?;
    Ok(contents)
}

/// Reads the whole graph and every source text, inside the caller's transaction.
pub async fn read_dataset(tx: &mut SqliteConnection) -> Result<Dataset> {
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

/// Reads every node and edge with its citations, inside the caller's transaction.
async fn read_contents(tx: &mut SqliteConnection) -> Result<Contents> {
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

    let rows = sqlx::query(
        "SELECT id, title, note, date, start_date, end_date, place, format FROM nodes ORDER BY id",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut nodes = Vec::with_capacity(rows.len());
    for row in rows {
        let node_id: String = row.try_get("id")?;
        nodes.push(Node {
            id: id(&node_id)?,
            title: row.try_get("title")?,
            note: row.try_get("note")?,
            date: date(row.try_get("date")?)?,
            start: date(row.try_get("start_date")?)?,
            end: date(row.try_get("end_date")?)?,
            place: row.try_get("place")?,
            format: row.try_get("format")?,
            citations: node_citations.remove(&node_id).unwrap_or_default(),
        });
    }

    let rows = sqlx::query("SELECT id, source, kind, target, note FROM edges ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let mut edges = Vec::with_capacity(rows.len());
    for row in rows {
        let edge_id: String = row.try_get("id")?;
        let kind: String = row.try_get("kind")?;
        edges.push(Edge {
            from: id(row.try_get("source")?)?,
            kind: EdgeKind::parse(&kind).ok_or_else(|| corrupt(format!("edge kind {kind}")))?,
            to: id(row.try_get("target")?)?,
            note: row.try_get("note")?,
            citations: edge_citations.remove(&edge_id).unwrap_or_default(),
        });
    }

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
