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

/// Citations waiting for the node or edge they belong to, by its id.
type Waiting = HashMap<String, Vec<Citation>>;

fn node_of(row: NodeRow<'_>, citations: &mut Waiting) -> Result<Node> {
    Ok(Node {
        id: id(row.0)?,
        title: row.1,
        note: row.2,
        date: date(row.3)?,
        start: date(row.4)?,
        end: date(row.5)?,
        place: row.6,
        format: row.7,
        citations: citations.remove(row.0).unwrap_or_default(),
    })
}

/// Builds the edges of `rows` whose ends share the text of their node's id in `nodes`.
fn edges_of<'a>(
    rows: impl Iterator<Item = EdgeRow<'a>>,
    nodes: &[Node],
    citations: &mut Waiting,
) -> Result<Vec<Edge>> {
    let known: HashMap<&str, &NodeId> = nodes.iter().map(|n| (n.id.as_str(), &n.id)).collect();
    let end = |text: &str| {
        known
            .get(text)
            .map_or_else(|| id(text), |&id| Ok(id.clone()))
    };
    let mut edges = Vec::with_capacity(rows.size_hint().0);
    for row in rows {
        let (from, to) = (end(row.0)?, end(row.2)?);
        let kind = EdgeKind::parse(row.1).ok_or_else(|| corrupt(format!("edge kind {}", row.1)))?;
        // Most edges (all imported ones) have no citation: build the id only while some wait.
        let cited = if citations.is_empty() {
            Vec::new()
        } else {
            citations
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
            citations: cited,
        });
    }
    Ok(edges)
}

/// Nodes and edges in id order from SQLite, each table as one JSON array built by SQLite:
/// sqlx hands every SQLite result row from its worker thread to the async side one by one,
/// which made reading a million edges row by row take seconds of thread hand-offs (perf:
/// futex and scheduler). The aggregate keeps the order of the sorted subquery, as SQLite
/// implements it (an `ORDER BY` inside the aggregate would sort again: +0.7 s at 1m edges); the
/// test `reading_returns_nodes_and_edges_in_id_order` guards that for the bundled SQLite.
async fn sqlite_rows(
    conn: &mut sqlx::SqliteConnection,
    node_citations: &mut Waiting,
    edge_citations: &mut Waiting,
) -> Result<(Vec<Node>, Vec<Edge>)> {
    let json: String = sqlx::query_scalar(
        "SELECT coalesce(json_group_array(json_array(id, title, note, date, start_date, end_date,
                                                      place, format)), '[]')
         FROM (SELECT * FROM nodes ORDER BY id)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<NodeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
    let nodes = rows
        .into_iter()
        .map(|row| node_of(row, node_citations))
        .collect::<Result<Vec<_>>>()?;
    drop(json);
    let json: String = sqlx::query_scalar(
        "SELECT coalesce(json_group_array(json_array(source, kind, target, note, valid_from,
                                                      valid_to)), '[]')
         FROM (SELECT source, kind, target, note, valid_from, valid_to FROM edges ORDER BY id)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<EdgeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
    let edges = edges_of(rows.into_iter(), &nodes, edge_citations)?;
    Ok((nodes, edges))
}

/// A `nodes` row from PostgreSQL.
type PgNode = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// An `edges` row from PostgreSQL.
type PgEdge = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Nodes and edges in id order from PostgreSQL: plain rows (its protocol streams them
/// cheaply; building JSON on the server cost more than sending the rows), sorted here
/// bytewise, as SQLite orders them, whatever the database's collation.
async fn postgres_rows(
    conn: &mut sqlx::PgConnection,
    node_citations: &mut Waiting,
    edge_citations: &mut Waiting,
) -> Result<(Vec<Node>, Vec<Edge>)> {
    let rows: Vec<PgNode> = sqlx::query_as(
        "SELECT id, title, note, date, start_date, end_date, place, format FROM nodes",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut nodes = Vec::with_capacity(rows.len());
    for (i, title, note, d, start, end, place, format) in rows {
        let row = NodeRow(
            &i,
            title,
            note,
            d.as_deref(),
            start.as_deref(),
            end.as_deref(),
            place,
            format,
        );
        nodes.push(node_of(row, node_citations)?);
    }
    nodes.sort_unstable_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
    let rows: Vec<PgEdge> =
        sqlx::query_as("SELECT source, kind, target, note, valid_from, valid_to FROM edges")
            .fetch_all(&mut *conn)
            .await?;
    let rows = rows.iter().map(|(source, kind, target, note, from, to)| {
        EdgeRow(
            source,
            kind,
            target,
            note.clone(),
            from.as_deref(),
            to.as_deref(),
        )
    });
    let mut edges = edges_of(rows, &nodes, edge_citations)?;
    edges.sort_unstable_by(by_id);
    Ok((nodes, edges))
}

/// Orders edges as their ids `<from>/<KIND>/<to>` compare bytewise, without building them:
/// mostly one comparison of the sources, byte by byte only where one source is a prefix of
/// the other.
fn by_id(a: &Edge, b: &Edge) -> std::cmp::Ordering {
    let (x, y) = (a.from.as_str().as_bytes(), b.from.as_str().as_bytes());
    if x == y {
        return (a.kind.as_str(), a.to.as_str()).cmp(&(b.kind.as_str(), b.to.as_str()));
    }
    let shared = x.len().min(y.len());
    match x[..shared].cmp(&y[..shared]) {
        std::cmp::Ordering::Equal => {
            let bytes = |e: &Edge| {
                let id = e.from.as_str().bytes().chain(*b"/");
                id.chain(e.kind.as_str().bytes())
                    .chain(*b"/")
                    .chain(e.to.as_str().bytes())
                    .collect::<Vec<u8>>()
            };
            bytes(a).cmp(&bytes(b))
        }
        unequal => unequal,
    }
}

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

/// The stored source text of `document`, read on its own; `None` when there is none.
pub async fn read_text(store: &Store, document: &str) -> Result<Option<String>> {
    Ok(on_pool!(store, |p| {
        sqlx::query_scalar("SELECT text FROM documents WHERE node_id = $1")
            .bind(document)
            .fetch_optional(p)
            .await?
    }))
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

    let (nodes, edges) = match conn {
        Conn::Sqlite(c) => sqlite_rows(c, &mut node_citations, &mut edge_citations).await?,
        Conn::Postgres(c) => postgres_rows(c, &mut node_citations, &mut edge_citations).await?,
    };

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

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: &str, kind: EdgeKind, to: &str) -> Edge {
        Edge {
            from: NodeId::parse(from).expect("id"),
            kind,
            to: NodeId::parse(to).expect("id"),
            note: None,
            valid_from: None,
            valid_to: None,
            citations: Vec::new(),
        }
    }

    #[test]
    fn edges_sort_as_their_ids_do_even_where_a_source_is_a_prefix_of_another() {
        let mut edges = [
            edge("goal:1", EdgeKind::PartOf, "goal:2"),
            edge("goal:1-a", EdgeKind::PartOf, "goal:2"),
            edge("goal:10", EdgeKind::DependsOn, "goal:2"),
            edge("goal:1", EdgeKind::DependsOn, "goal:3"),
            edge("goal:1-a", EdgeKind::DependsOn, "goal:1"),
            edge("goal:1", EdgeKind::PartOf, "goal:10"),
        ];
        let mut ids: Vec<String> = edges.iter().map(Edge::id).collect();
        ids.sort();
        edges.sort_unstable_by(by_id);
        assert_eq!(edges.iter().map(Edge::id).collect::<Vec<_>>(), ids);
    }
}
