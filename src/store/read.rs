//! Reading the whole graph (for the in-memory snapshot) and single documents.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::{Backend, Conn, Store, Tx, to_u32};
use sqlx::Row;

use crate::dataset::Dataset;
use crate::error::{Error, Result};
pub use crate::graph::Contents;
use crate::graph::{Builder, Graph};
use crate::model::{Citation, Edge, EdgeKind, Id, Node, NodeId, PartialDate, SourceText, edge_id};

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
/// place, format. Ids and dates never need JSON escapes, so they are borrowed; a title is
/// borrowed unless it has one.
#[derive(serde::Deserialize)]
pub(super) struct NodeRow<'a>(
    pub(super) &'a str,
    #[serde(borrow)] pub(super) Cow<'a, str>,
    pub(super) Option<String>,
    pub(super) Option<&'a str>,
    pub(super) Option<&'a str>,
    pub(super) Option<&'a str>,
    pub(super) Option<String>,
    pub(super) Option<String>,
);

impl NodeRow<'_> {
    /// Has the node anything besides an id and a title?
    fn is_plain(&self) -> bool {
        let NodeRow(_, _, note, date, start, end, place, format) = self;
        note.is_none()
            && date.is_none()
            && start.is_none()
            && end.is_none()
            && place.is_none()
            && format.is_none()
    }
}

/// An `edges` row as the store's JSON aggregate writes it: source, kind, target, note, valid_from,
/// valid_to.
#[derive(serde::Deserialize)]
pub(super) struct EdgeRow<'a>(
    pub(super) &'a str,
    pub(super) &'a str,
    pub(super) &'a str,
    pub(super) Option<String>,
    pub(super) Option<&'a str>,
    pub(super) Option<&'a str>,
);

/// Citations waiting for the node or edge they belong to, by its id.
pub(super) type Waiting = HashMap<String, Vec<Citation>>;

fn node_of(row: NodeRow<'_>, citations: &mut Waiting) -> Result<Node> {
    Ok(Node {
        id: id(row.0)?,
        title: row.1.into_owned(),
        note: row.2,
        date: date(row.3)?,
        start: date(row.4)?,
        end: date(row.5)?,
        place: row.6,
        format: row.7,
        citations: citations.remove(row.0).unwrap_or_default(),
    })
}

fn edge_kind(text: &str) -> Result<EdgeKind> {
    EdgeKind::parse(text).ok_or_else(|| corrupt(format!("edge kind {text}")))
}

/// Where a whole-graph read puts the rows it reads, in the order it reads them: nodes in id
/// order, then edges, then the paths of stored texts.
pub(super) trait Sink {
    /// Takes a node; citations waiting for it are taken from `citations`.
    fn node_row(&mut self, row: NodeRow<'_>, citations: &mut Waiting) -> Result<()>;
    /// Takes an edge between nodes taken before.
    fn edge_row(&mut self, row: EdgeRow<'_>, citations: &mut Waiting) -> Result<()>;
    /// Takes the path of a document's stored text.
    fn text_row(&mut self, document: NodeId, path: String);
}

/// Values: each edge's ends share the text of their node's id (nodes come sorted, so the
/// node is found by binary search); edges are sorted by id once all are read.
impl Sink for Contents {
    fn node_row(&mut self, row: NodeRow<'_>, citations: &mut Waiting) -> Result<()> {
        self.nodes.push(node_of(row, citations)?);
        Ok(())
    }

    fn edge_row(&mut self, row: EdgeRow<'_>, citations: &mut Waiting) -> Result<()> {
        let end = |text: &str| match self.nodes.binary_search_by(|n| n.id.as_str().cmp(text)) {
            Ok(at) => Ok(self.nodes[at].id.clone()),
            Err(_) => id(text),
        };
        let (from, to) = (end(row.0)?, end(row.2)?);
        let kind = edge_kind(row.1)?;
        // Most edges (all imported ones) have no citation: build the id only while some wait.
        let cited = if citations.is_empty() {
            Vec::new()
        } else {
            citations
                .remove(&edge_id(&from, kind, &to))
                .unwrap_or_default()
        };
        self.edges.push(Edge {
            from,
            kind,
            to,
            note: row.3,
            valid_from: date(row.4)?,
            valid_to: date(row.5)?,
            citations: cited,
        });
        Ok(())
    }

    fn text_row(&mut self, document: NodeId, path: String) {
        self.texts.push((document, path));
    }
}

/// A snapshot: nodes and edges with nothing but ids, title and kind (every imported one) go
/// in without becoming model values.
impl Sink for Builder {
    fn node_row(&mut self, row: NodeRow<'_>, citations: &mut Waiting) -> Result<()> {
        if row.is_plain() && !citations.contains_key(row.0) {
            self.plain_node(Id::parse(row.0).map_err(corrupt)?, &row.1)
        } else {
            Builder::node(self, node_of(row, citations)?)
        }
    }

    fn edge_row(&mut self, row: EdgeRow<'_>, citations: &mut Waiting) -> Result<()> {
        let (from, kind, to) = (
            Id::parse(row.0).map_err(corrupt)?,
            edge_kind(row.1)?,
            Id::parse(row.2).map_err(corrupt)?,
        );
        let cited = if citations.is_empty() {
            Vec::new()
        } else {
            citations
                .remove(&edge_id(from, kind, to))
                .unwrap_or_default()
        };
        if row.3.is_none() && row.4.is_none() && row.5.is_none() && cited.is_empty() {
            return self.plain_edge(from, kind, to);
        }
        Builder::edge(
            self,
            Edge {
                from: from.to_owned(),
                kind,
                to: to.to_owned(),
                note: row.3,
                valid_from: date(row.4)?,
                valid_to: date(row.5)?,
                citations: cited,
            },
        )
    }

    fn text_row(&mut self, document: NodeId, path: String) {
        Builder::text(self, document, path);
    }
}

/// Rows read from SQLite per statement: enough that statements are few, few enough that one
/// chunk's JSON stays a few megabytes at any size.
const CHUNK: i64 = 65_536;

/// Nodes and edges from SQLite, in chunks of [`CHUNK`] rows, each chunk one JSON array built
/// by SQLite: sqlx hands every SQLite result row from its worker thread to the async side one
/// by one, which made reading a million edges row by row take seconds of thread hand-offs
/// (perf: futex and scheduler). Each chunk is a keyset page of an index, in its order (the
/// aggregate keeps the order of the sorted subquery, as SQLite implements it; the test
/// `reading_returns_nodes_and_edges_in_id_order` guards that for the bundled SQLite): nodes by
/// id, edges by (source, kind, target), which is the snapshot's own edge order.
async fn sqlite_rows(
    conn: &mut sqlx::SqliteConnection,
    sink: &mut impl Sink,
    node_citations: &mut Waiting,
    edge_citations: &mut Waiting,
) -> Result<()> {
    let mut after = String::new();
    loop {
        let json: String = sqlx::query_scalar(
            "SELECT coalesce(json_group_array(json_array(id, title, note, date, start_date,
                                                          end_date, place, format)), '[]')
             FROM (SELECT * FROM nodes WHERE id > ?1 ORDER BY id LIMIT ?2)",
        )
        .bind(&after)
        .bind(CHUNK)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<NodeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
        let Some(last) = rows.last().map(|row| row.0.to_owned()) else {
            break;
        };
        for row in rows {
            sink.node_row(row, node_citations)?;
        }
        after = last;
    }
    let mut after = (String::new(), String::new(), String::new());
    loop {
        let json: String = sqlx::query_scalar(
            "SELECT coalesce(json_group_array(json_array(source, kind, target, note, valid_from,
                                                          valid_to)), '[]')
             FROM (SELECT source, kind, target, note, valid_from, valid_to FROM edges
                   WHERE (source, kind, target) > (?1, ?2, ?3)
                   ORDER BY source, kind, target LIMIT ?4)",
        )
        .bind(&after.0)
        .bind(&after.1)
        .bind(&after.2)
        .bind(CHUNK)
        .fetch_one(&mut *conn)
        .await?;
        let rows: Vec<EdgeRow<'_>> = serde_json::from_str(&json).map_err(corrupt)?;
        let Some(last) = rows
            .last()
            .map(|r| (r.0.to_owned(), r.1.to_owned(), r.2.to_owned()))
        else {
            break;
        };
        for row in rows {
            sink.edge_row(row, edge_citations)?;
        }
        after = last;
    }
    Ok(())
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

/// Nodes and edges from PostgreSQL: plain rows (its protocol streams them cheaply; building
/// JSON on the server cost more than sending the rows); nodes sorted here bytewise, as SQLite
/// orders them, whatever the database's collation; edges streamed as they come.
async fn postgres_rows(
    conn: &mut sqlx::PgConnection,
    sink: &mut impl Sink,
    node_citations: &mut Waiting,
    edge_citations: &mut Waiting,
) -> Result<()> {
    use futures_util::TryStreamExt;
    let mut rows: Vec<PgNode> = sqlx::query_as(
        "SELECT id, title, note, date, start_date, end_date, place, format FROM nodes",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (i, title, note, d, start, end, place, format) in rows {
        let row = NodeRow(
            &i,
            Cow::Owned(title),
            note,
            d.as_deref(),
            start.as_deref(),
            end.as_deref(),
            place,
            format,
        );
        sink.node_row(row, node_citations)?;
    }
    let mut edges = sqlx::query_as::<_, PgEdge>(
        "SELECT source, kind, target, note, valid_from, valid_to FROM edges",
    )
    .fetch(&mut *conn);
    while let Some((source, kind, target, note, from, to)) = edges.try_next().await? {
        let row = EdgeRow(
            &source,
            &kind,
            &target,
            note,
            from.as_deref(),
            to.as_deref(),
        );
        sink.edge_row(row, edge_citations)?;
    }
    Ok(())
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

/// A citation from its stored columns: the document, quote, the five numbers (start_char,
/// end_char, line, col, occurrences) and the excerpt.
pub(super) fn citation_of(
    document: &str,
    quote: String,
    numbers: [i64; 5],
    excerpt: String,
) -> Result<Citation> {
    let [start, end, line, column, occurrences] = numbers;
    Ok(Citation {
        document: id(document)?,
        quote,
        start: to_u32(start, "start_char")?,
        end: to_u32(end, "end_char")?,
        line: to_u32(line, "line")?,
        column: to_u32(column, "col")?,
        occurrences: to_u32(occurrences, "occurrences")?,
        excerpt,
    })
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

/// Reads the whole graph as a snapshot and the change-log position it reflects, in one read
/// transaction, so a follower applying the log from that position neither misses nor repeats
/// a change; never holds the graph as model values on the way.
pub async fn read_graph_at(store: &Store) -> Result<(Graph, i64)> {
    if let Some(file) = store.sqlite_file() {
        return tokio::task::spawn_blocking(move || super::file_read::read_graph(&file))
            .await
            .map_err(|e| Error::Database(format!("reading the graph: {e}")))?;
    }
    let mut tx = store.read().await?;
    let read = read_graph_in(&mut tx).await?;
    tx.commit().await?;
    Ok(read)
}

/// [`read_graph_at`] for a process that holds `tx` open on `store`: the graph and the
/// change-log position it reflects, never older than what `tx` sees. On an SQLite file, the
/// file read in a read transaction of its own (under the write lock that is `tx`'s state;
/// beside a read transaction it may be newer, with its own position): at 10m edges it takes
/// a third of the memory and a fraction of the time of reading through `tx`. Elsewhere,
/// inside `tx`.
pub async fn read_graph_beside(store: &Store, tx: &mut Tx) -> Result<(Graph, i64)> {
    if store.sqlite_file().is_some() {
        return read_graph_at(store).await;
    }
    read_graph_in(tx).await
}

/// [`read_graph_at`] inside the caller's transaction.
pub async fn read_graph_in(tx: &mut Tx) -> Result<(Graph, i64)> {
    let conn = tx.conn()?;
    let seq = super::changes::last_seq_on(conn).await?;
    let graph = read_graph_on(conn).await?;
    Ok((graph, seq))
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

/// Reads every node and edge with its citations as values, inside the caller's transaction:
/// nodes and edges in id order.
pub(super) async fn read_contents(conn: &mut Conn) -> Result<Contents> {
    let mut contents = Contents::default();
    read_into(conn, &mut contents).await?;
    contents.edges.sort_unstable_by(by_id);
    Ok(contents)
}

/// Reads every node and edge with its citations into a snapshot, inside the caller's
/// transaction.
pub(super) async fn read_graph_on(conn: &mut Conn) -> Result<Graph> {
    let (nodes, edges) = sizes(conn).await?;
    let mut builder = Builder::with_capacity(nodes, edges);
    read_into(conn, &mut builder).await?;
    builder.finish()
}

/// SQLite's largest rowids of nodes and edges: about how many there are, without a scan.
pub(super) const SQLITE_SIZES: &str = "SELECT coalesce((SELECT max(rowid) FROM nodes), 0),
                                              coalesce((SELECT max(rowid) FROM edges), 0)";

/// Every citation, in the order they were written (the columns [`citation_of`] takes).
pub(super) const CITATIONS: &str = "SELECT node_id, edge_id, document_id, quote, start_char,
                                           end_char, line, col, occurrences, excerpt
                                    FROM citations ORDER BY id";

/// The paths of the stored texts, by document id, on SQLite.
pub(super) const SQLITE_TEXTS: &str = "SELECT node_id, path FROM documents ORDER BY node_id";

/// About how many nodes and edges the store holds, to reserve room for them: SQLite's
/// largest rowids (no scan; an over-estimate after deletes), PostgreSQL's counts.
async fn sizes(conn: &mut Conn) -> Result<(usize, usize)> {
    let (nodes, edges): (i64, i64) = match conn {
        Conn::Sqlite(c) => sqlx::query_as(SQLITE_SIZES).fetch_one(&mut **c).await?,
        Conn::Postgres(c) => {
            sqlx::query_as("SELECT (SELECT count(*) FROM nodes), (SELECT count(*) FROM edges)")
                .fetch_one(&mut **c)
                .await?
        }
    };
    let size = |n: i64| usize::try_from(n).unwrap_or(0);
    Ok((size(nodes), size(edges)))
}

/// Reads every node and edge with its citations into `sink`.
async fn read_into(conn: &mut Conn, sink: &mut impl Sink) -> Result<()> {
    let backend = conn.backend();
    let mut node_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let mut edge_citations: HashMap<String, Vec<Citation>> = HashMap::new();
    let rows: Vec<CitationRow> = on_conn!(&mut *conn, |c| {
        sqlx::query(CITATIONS)
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
        let citation = citation_of(&row.document, row.quote, row.numbers, row.excerpt)?;
        match (row.node, row.edge) {
            (Some(n), _) => node_citations.entry(n).or_default().push(citation),
            (None, Some(e)) => edge_citations.entry(e).or_default().push(citation),
            (None, None) => return Err(corrupt("a citation with neither node nor edge")),
        }
    }

    match conn {
        Conn::Sqlite(c) => sqlite_rows(c, sink, &mut node_citations, &mut edge_citations).await?,
        Conn::Postgres(c) => {
            postgres_rows(c, sink, &mut node_citations, &mut edge_citations).await?
        }
    };

    let sql = match backend {
        Backend::Sqlite => SQLITE_TEXTS,
        Backend::Postgres => "SELECT node_id, path FROM documents ORDER BY node_id COLLATE \"C\"",
    };
    let rows: Vec<(String, String)> = on_conn!(&mut *conn, |c| {
        sqlx::query_as(sql).fetch_all(&mut *c).await?
    });
    for (node_id, path) in rows {
        sink.text_row(id(&node_id)?, path);
    }
    Ok(())
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
