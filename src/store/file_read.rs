//! Reading a whole SQLite file into a snapshot, fast enough for a server's start at 10m
//! edges: rusqlite row by row from covering indexes, the scans on one thread and the
//! snapshot's builder on the calling (blocking) one, batches of rows passed between them.
//!
//! sqlx hands each SQLite row from its worker thread to the async side one at a time, and its
//! JSON-chunk workaround (see `read::sqlite_rows`) spends most of its time building and
//! parsing JSON: about 0.75 µs an edge at 10m edges, against 0.5 µs here for scan and build
//! together (each about half, and the two overlap). The scans read
//! indexes only (`nodes_by_id_title`, the `(source, kind, target)` constraint); the few nodes
//! and edges with anything else (notes, dates, validities) come first through their partial
//! indexes, and citations through their own table.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::changes::LAST_SEQ;
use super::read::{
    CITATIONS, EdgeRow, NodeRow, SQLITE_SIZES, SQLITE_TEXTS, Sink, Waiting, citation_of,
};
use crate::error::{Error, Result};
use crate::graph::{Builder, Graph};
use crate::model::NodeId;

fn failed(e: rusqlite::Error) -> Error {
    Error::Database(format!("reading the graph from the SQLite file: {e}"))
}

/// A node's optional columns: note, date, start, end, place, format.
type NodeExtra = [Option<String>; 6];

/// An edge's optional columns: note, valid_from, valid_to.
type EdgeExtra = [Option<String>; 3];

/// Reads the graph in the file at `path` and the change-log position it reflects, in one
/// read transaction. Blocks: call it from a blocking thread.
pub(super) fn read_graph(path: &Path) -> Result<(Graph, i64)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(failed)?;
    // One snapshot of the WAL for every statement below; it ends when the connection closes.
    conn.execute_batch("BEGIN").map_err(failed)?;
    read_in(conn).map_err(|e| match e {
        Read::Sql(e) => failed(e),
        Read::Graph(e) => e,
    })
}

/// What can fail while reading: the file, or what it holds.
enum Read {
    Sql(rusqlite::Error),
    Graph(Error),
}

impl From<rusqlite::Error> for Read {
    fn from(e: rusqlite::Error) -> Read {
        Read::Sql(e)
    }
}

impl From<rusqlite::types::FromSqlError> for Read {
    fn from(e: rusqlite::types::FromSqlError) -> Read {
        Read::Graph(Error::Database(format!("stored data is invalid: {e}")))
    }
}

impl From<Error> for Read {
    fn from(e: Error) -> Read {
        Read::Graph(e)
    }
}

fn read_in(conn: Connection) -> std::result::Result<(Graph, i64), Read> {
    let seq: i64 = conn.query_row(LAST_SEQ, [], |r| r.get(0))?;
    let (nodes, edges): (i64, i64) =
        conn.query_row(SQLITE_SIZES, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let size = |n: i64| usize::try_from(n).unwrap_or(0);
    let mut builder = Builder::with_capacity(size(nodes), size(edges));
    let started = std::time::Instant::now();
    let (mut node_citations, mut edge_citations) = citations(&conn)?;
    let mut extra = Extra {
        nodes: extra_nodes(&conn)?,
        edges: extra_edges(&conn)?,
    };
    // The scans on a thread of their own, the builder on this one: each is about half the
    // work, and the two cores do them at once.
    let (conn, scanned, pushed) = std::thread::scope(|scope| {
        let (send, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        let scanner = scope.spawn(move || {
            let scanned = scan(&conn, &send);
            (conn, scanned)
        });
        let mut pushed = Ok(());
        for batch in batches {
            pushed = match batch.table {
                Table::Nodes => push_nodes(&batch, &mut builder, &mut extra, &mut node_citations),
                Table::Edges => push_edges(&batch, &mut builder, &mut extra, &mut edge_citations),
            };
            if pushed.is_err() {
                // Dropping the receiver stops the scanner at its next batch.
                break;
            }
        }
        match scanner.join() {
            Ok((conn, scanned)) => Ok((conn, scanned, pushed)),
            Err(_) => Err(Read::Graph(Error::Database("the scan panicked".into()))),
        }
    })?;
    scanned?;
    pushed?;
    let scans = started.elapsed();

    let mut statement = conn.prepare(SQLITE_TEXTS)?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let document: String = r.get(0)?;
        let document = NodeId::parse(&document)
            .map_err(|e| Error::Database(format!("stored data is invalid: {e}")))?;
        builder.text(document, r.get(1)?);
    }
    let graph = builder.finish()?;
    tracing::debug!(?scans, total = ?started.elapsed(), "graph read from the file");
    Ok((graph, seq))
}

/// The optional columns of the nodes and edges that have any, read before the scans.
struct Extra {
    nodes: HashMap<String, NodeExtra>,
    edges: HashMap<(String, String, String), EdgeExtra>,
}

/// The optional columns of the nodes that have any, by id.
fn extra_nodes(conn: &Connection) -> std::result::Result<HashMap<String, NodeExtra>, Read> {
    let mut extra = HashMap::new();
    let mut statement = conn.prepare(
        "SELECT id, note, date, start_date, end_date, place, format FROM nodes
         INDEXED BY nodes_with_details
         WHERE note IS NOT NULL OR date IS NOT NULL OR start_date IS NOT NULL
            OR end_date IS NOT NULL OR place IS NOT NULL OR format IS NOT NULL",
    )?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let columns = [
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ];
        extra.insert(r.get(0)?, columns);
    }
    Ok(extra)
}

/// The optional columns of the edges that have any, by (source, kind, target).
fn extra_edges(
    conn: &Connection,
) -> std::result::Result<HashMap<(String, String, String), EdgeExtra>, Read> {
    let mut extra = HashMap::new();
    let mut statement = conn.prepare(
        "SELECT source, kind, target, note, valid_from, valid_to FROM edges
         INDEXED BY edges_with_details
         WHERE note IS NOT NULL OR valid_from IS NOT NULL OR valid_to IS NOT NULL",
    )?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let key = (r.get(0)?, r.get(1)?, r.get(2)?);
        extra.insert(key, [r.get(3)?, r.get(4)?, r.get(5)?]);
    }
    Ok(extra)
}

/// Which table a batch's rows come from.
#[derive(Clone, Copy)]
enum Table {
    /// Id and title of each node.
    Nodes,
    /// Source, kind and target of each edge.
    Edges,
}

/// Rows as scanned: the text columns of each row, one after another in `text`.
struct Batch {
    table: Table,
    text: String,
    /// Where each column of each row ends in `text`.
    ends: Vec<usize>,
}

impl Batch {
    fn new(table: Table) -> Batch {
        Batch {
            table,
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// The columns in order.
    fn parts(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let part = &self.text[start..end];
            start = end;
            part
        })
    }
}

/// Rows a batch holds.
const BATCH_ROWS: usize = 4096;

/// Scans every node in id order, then every edge in (source, kind, target) order, into
/// batches for `send`; stops early, without an error, when the receiver is gone.
fn scan(
    conn: &Connection,
    send: &std::sync::mpsc::SyncSender<Batch>,
) -> std::result::Result<(), Read> {
    let scans = [
        (
            "SELECT id, title FROM nodes INDEXED BY nodes_by_id_title ORDER BY id",
            Table::Nodes,
            2,
        ),
        (
            "SELECT source, kind, target FROM edges ORDER BY source, kind, target",
            Table::Edges,
            3,
        ),
    ];
    for (sql, table, columns) in scans {
        let mut statement = conn.prepare(sql)?;
        let mut rows = statement.query([])?;
        let mut batch = Batch::new(table);
        while let Some(r) = rows.next()? {
            for column in 0..columns {
                batch.text.push_str(r.get_ref(column)?.as_str()?);
                batch.ends.push(batch.text.len());
            }
            if batch.ends.len() == columns * BATCH_ROWS {
                let full = std::mem::replace(&mut batch, Batch::new(table));
                if send.send(full).is_err() {
                    return Ok(());
                }
            }
        }
        if !batch.ends.is_empty() && send.send(batch).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Gives the builder the nodes of a batch, with their details where they have any.
fn push_nodes(
    batch: &Batch,
    builder: &mut Builder,
    extra: &mut Extra,
    citations: &mut Waiting,
) -> std::result::Result<(), Read> {
    let mut parts = batch.parts();
    while let (Some(id), Some(title)) = (parts.next(), parts.next()) {
        let [note, date, start, end, place, format] = match extra.nodes.is_empty() {
            true => Default::default(),
            false => extra.nodes.remove(id).unwrap_or_default(),
        };
        let row = NodeRow(
            id,
            title.into(),
            note,
            date.as_deref(),
            start.as_deref(),
            end.as_deref(),
            place,
            format,
        );
        builder.node_row(row, citations)?;
    }
    Ok(())
}

/// Gives the builder the edges of a batch, with their details where they have any.
fn push_edges(
    batch: &Batch,
    builder: &mut Builder,
    extra: &mut Extra,
    citations: &mut Waiting,
) -> std::result::Result<(), Read> {
    let mut parts = batch.parts();
    while let (Some(source), Some(kind), Some(target)) = (parts.next(), parts.next(), parts.next())
    {
        let [note, from, to] = match extra.edges.is_empty() {
            true => Default::default(),
            false => {
                let key = (source.to_owned(), kind.to_owned(), target.to_owned());
                extra.edges.remove(&key).unwrap_or_default()
            }
        };
        let row = EdgeRow(source, kind, target, note, from.as_deref(), to.as_deref());
        builder.edge_row(row, citations)?;
    }
    Ok(())
}

/// Every citation, waiting for the node or the edge it belongs to.
fn citations(conn: &Connection) -> std::result::Result<(Waiting, Waiting), Read> {
    let (mut nodes, mut edges) = (Waiting::new(), Waiting::new());
    let mut statement = conn.prepare(CITATIONS)?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let numbers = [r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?];
        let citation = citation_of(&r.get::<_, String>(2)?, r.get(3)?, numbers, r.get(9)?)?;
        match (
            r.get::<_, Option<String>>(0)?,
            r.get::<_, Option<String>>(1)?,
        ) {
            (Some(n), _) => nodes.entry(n).or_default().push(citation),
            (None, Some(e)) => edges.entry(e).or_default().push(citation),
            (None, None) => {
                let message = "stored data is invalid: a citation with neither node nor edge";
                return Err(Read::Graph(Error::Database(message.into())));
            }
        }
    }
    Ok((nodes, edges))
}
