//! Reading a whole SQLite file into a snapshot, fast enough for a server's start at 10m
//! edges: rusqlite on the calling (blocking) thread, row by row, from covering indexes.
//!
//! sqlx hands each SQLite row from its worker thread to the async side one at a time, and its
//! JSON-chunk workaround (see `read::sqlite_rows`) spends most of its time building and
//! parsing JSON: about 0.75 µs an edge at 10m edges, against about 0.2 µs here. The scans read
//! indexes only (`nodes_by_id_title`, the `(source, kind, target)` constraint); the few nodes
//! and edges with anything else (notes, dates, validities) come first through their partial
//! indexes, and citations through their own table.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::read::{EdgeRow, NodeRow, Sink, Waiting, citation_of};
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
    let seq: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM change_log", [], |r| {
        r.get(0)
    })?;
    let (nodes, edges): (i64, i64) = conn.query_row(
        "SELECT coalesce((SELECT max(rowid) FROM nodes), 0),
                coalesce((SELECT max(rowid) FROM edges), 0)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let size = |n: i64| usize::try_from(n).unwrap_or(0);
    let mut builder = Builder::with_capacity(size(nodes), size(edges));
    let (mut node_citations, mut edge_citations) = citations(&conn)?;

    let started = std::time::Instant::now();
    scan_nodes(&conn, &mut builder, &mut node_citations)?;
    let nodes_read = started.elapsed();
    let mut extra_edges = extra_edges(&conn)?;
    // The scan on a thread of its own, the builder on this one: each is about half the
    // work, and the two cores do them at once.
    let (conn, scanned, pushed) = std::thread::scope(|scope| {
        let (send, batches) = std::sync::mpsc::sync_channel::<EdgeBatch>(4);
        let scanner = scope.spawn(move || {
            let scanned = scan_edges(&conn, &send);
            (conn, scanned)
        });
        let mut pushed = Ok(());
        for batch in batches {
            pushed = push_edges(&batch, &mut builder, &mut extra_edges, &mut edge_citations);
            if pushed.is_err() {
                // Dropping the receiver stops the scanner at its next batch.
                break;
            }
        }
        match scanner.join() {
            Ok((conn, scanned)) => Ok((conn, scanned, pushed)),
            Err(_) => Err(Read::Graph(Error::Database(
                "the edge scan panicked".into(),
            ))),
        }
    })?;
    scanned?;
    pushed?;

    let edges_read = started.elapsed() - nodes_read;
    let mut statement = conn.prepare("SELECT node_id, path FROM documents ORDER BY node_id")?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let document: String = r.get(0)?;
        let document = NodeId::parse(&document)
            .map_err(|e| Error::Database(format!("stored data is invalid: {e}")))?;
        builder.text(document, r.get(1)?);
    }
    let graph = builder.finish()?;
    tracing::debug!(?nodes_read, ?edges_read, total = ?started.elapsed(), "graph read from the file");
    Ok((graph, seq))
}

/// Every node in id order into `builder`, with its details where it has any.
fn scan_nodes(
    conn: &Connection,
    builder: &mut Builder,
    citations: &mut Waiting,
) -> std::result::Result<(), Read> {
    let mut extra_nodes: HashMap<String, NodeExtra> = HashMap::new();
    let mut statement = conn.prepare(
        "SELECT id, note, date, start_date, end_date, place, format FROM nodes
         INDEXED BY nodes_with_details
         WHERE note IS NOT NULL OR date IS NOT NULL OR start_date IS NOT NULL
            OR end_date IS NOT NULL OR place IS NOT NULL OR format IS NOT NULL",
    )?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let extra = [
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ];
        extra_nodes.insert(r.get(0)?, extra);
    }
    let mut statement =
        conn.prepare("SELECT id, title FROM nodes INDEXED BY nodes_by_id_title ORDER BY id")?;
    let mut rows = statement.query([])?;
    while let Some(r) = rows.next()? {
        let id = r.get_ref(0)?.as_str()?;
        let title = r.get_ref(1)?.as_str()?;
        let [note, date, start, end, place, format] = match extra_nodes.is_empty() {
            true => Default::default(),
            false => extra_nodes.remove(id).unwrap_or_default(),
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

/// Edges as scanned: source, kind and target of each, one after another in `text`.
#[derive(Default)]
struct EdgeBatch {
    text: String,
    /// Where each of the three parts of each edge ends in `text`.
    ends: Vec<usize>,
}

/// Edges a batch holds.
const EDGE_BATCH: usize = 4096;

/// Scans every edge in (source, kind, target) order into batches for `send`; stops early,
/// without an error, when the receiver is gone.
fn scan_edges(
    conn: &Connection,
    send: &std::sync::mpsc::SyncSender<EdgeBatch>,
) -> std::result::Result<(), Read> {
    let mut statement =
        conn.prepare("SELECT source, kind, target FROM edges ORDER BY source, kind, target")?;
    let mut rows = statement.query([])?;
    let mut batch = EdgeBatch::default();
    while let Some(r) = rows.next()? {
        for column in 0..3 {
            batch.text.push_str(r.get_ref(column)?.as_str()?);
            batch.ends.push(batch.text.len());
        }
        if batch.ends.len() == 3 * EDGE_BATCH && send.send(std::mem::take(&mut batch)).is_err() {
            return Ok(());
        }
    }
    if !batch.ends.is_empty() {
        let _ = send.send(batch);
    }
    Ok(())
}

/// Gives the builder the edges of a batch, with their details where they have any.
fn push_edges(
    batch: &EdgeBatch,
    builder: &mut Builder,
    extra_edges: &mut HashMap<(String, String, String), EdgeExtra>,
    citations: &mut Waiting,
) -> std::result::Result<(), Read> {
    let mut start = 0;
    let mut parts = batch.ends.iter().map(|&end| {
        let part = &batch.text[start..end];
        start = end;
        part
    });
    while let (Some(source), Some(kind), Some(target)) = (parts.next(), parts.next(), parts.next())
    {
        let [note, from, to] = match extra_edges.is_empty() {
            true => Default::default(),
            false => {
                let key = (source.to_owned(), kind.to_owned(), target.to_owned());
                extra_edges.remove(&key).unwrap_or_default()
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
    let mut statement = conn.prepare(
        "SELECT node_id, edge_id, document_id, quote, start_char, end_char, line, col,
                occurrences, excerpt
         FROM citations ORDER BY id",
    )?;
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
