//! The SQLite import, straight through SQLite's C API (rusqlite, the same library sqlx links):
//! one `BEGIN IMMEDIATE` transaction on its own connection to the file, single-row `INSERT`s
//! from cached prepared statements, rows in the order of the tables' unique indexes, the
//! secondary indexes dropped for a large import and built again once the rows are in (one
//! sort instead of millions of random B-tree inserts); then the search index and the log
//! (an entry per row set-wise from the rows just written, or one for a large import).
//!
//! Why not sqlx here: each statement is a round trip to sqlx's worker thread, so rows had to
//! go in multi-row `INSERT`s, and a multi-row statement makes SQLite keep a statement journal
//! of every page it touches. At 1m edges the rows took 8.4 s that way, against 3.2 s here.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior, params};

use super::{Plan, Progress, Reporter, edge_id_text, unchanged_since_planned};
use crate::error::{Error, Result};
use crate::store::Backend;
use crate::store::changes::IMPORT_ENTITY;

/// SQLite page cache for the import connection, in KiB. Rows arrive in index order, so the
/// pages being written are few; `CREATE INDEX` sorts in this much memory and merges through
/// temporary files beyond it.
const IMPORT_CACHE_KIB: u32 = 128 * 1024;

/// How long the import waits for another writer to finish before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn failed(e: rusqlite::Error) -> Error {
    Error::Database(format!("importing into the SQLite file: {e}"))
}

/// Writes `plan` into the database file at `path` in one transaction as `actor`. `stored` is
/// how many nodes the store held when the plan was validated: if another write landed since,
/// nothing is written. Blocks: call it from a blocking thread.
pub(super) fn write(
    path: &Path,
    plan: &Plan,
    stored: usize,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(failed)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
    // Every reference was checked against the nodes file and the store before the write
    // began, and the write lock keeps it true: SQLite's own check of each edge's two ends
    // would only repeat it. The connection is this import's alone and closes with it.
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = OFF; PRAGMA cache_size = -{IMPORT_CACHE_KIB};"
    ))
    .map_err(failed)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(failed)?;
    // Recheck under the write lock: a node created since the plan was read would collide.
    let taken = tx
        .prepare("SELECT id FROM nodes")
        .and_then(|mut s| {
            s.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .map_err(failed)?;
    unchanged_since_planned(plan, &taken, stored)?;
    drop(taken);
    write_plan(&tx, plan, actor, progress).map_err(failed)?;
    tx.commit().map_err(failed)?;
    tracing::info!("import: committed");
    // Move the transaction from the WAL into the database file now: otherwise the next
    // process to open the file replays a WAL as large as the import (0.75 s of a 2 s start-up
    // budget at 1m edges). Best effort: a busy reader only postpones it.
    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
        tracing::warn!(error = %e, "import: cannot checkpoint the WAL; it will be later");
    }
    Ok(())
}

/// Inserts the plan inside `tx`.
fn write_plan(
    tx: &Transaction<'_>,
    plan: &Plan,
    actor: &str,
    progress: Progress<'_>,
) -> rusqlite::Result<()> {
    let mut report = Reporter::new(progress, plan);
    let (nodes_before, edges_before, at): (i64, i64, String) = tx.query_row(
        &format!(
            "SELECT (SELECT coalesce(max(rowid), 0) FROM nodes),
                    (SELECT coalesce(max(rowid), 0) FROM edges),
                    {}",
            Backend::Sqlite.log_time_sql()
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    // Worth it when the import at least doubles the tables (row ids count rows closely
    // enough: these tables are rarely deleted from).
    let rebuild = plan.nodes.len() + plan.edges.len() > (nodes_before + edges_before) as usize;
    let logged_whole = plan.logged_whole();
    let indexes = if rebuild {
        // The log's own index grows by one entry when the import is logged whole.
        let tables: &[&str] = if logged_whole {
            &["nodes", "edges"]
        } else {
            &["nodes", "edges", "change_log"]
        };
        drop_secondary_indexes(tx, tables)?
    } else {
        Vec::new()
    };

    let mut insert = tx.prepare("INSERT INTO nodes (id, kind, title) VALUES (?1, ?2, ?3)")?;
    for (n, id) in plan.nodes.iter().zip(&plan.ids) {
        insert.execute(params![id, n.kind.as_str(), n.title])?;
        report.add(1);
    }
    let mut insert =
        tx.prepare("INSERT INTO edges (id, source, kind, target) VALUES (?1, ?2, ?3, ?4)")?;
    for e in &plan.edges {
        let (from, to) = (&plan.ids[e.from as usize], &plan.ids[e.to as usize]);
        let id = edge_id_text(&plan.ids, e.from, e.kind, e.to);
        insert.execute(params![id, from, e.kind.as_str(), to])?;
        report.add(1);
    }
    drop(insert);
    tracing::info!("import: rows inserted");

    // The change log and the search index, set-wise from the rows just inserted (row by row
    // beside each insert was slower: 10.8 s against 6.6 s at 1m edges); the JSON images are
    // the ones `store::sync_corpus` logs for a node or edge without citations. FTS5 walks
    // its rowids in order natively; `max(rowid)` would scan.
    let index_before: i64 = tx.query_row(
        "SELECT coalesce((SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1), 0)",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO search_index (entity, kind, field, text)
         SELECT id, kind, 'title', title FROM nodes WHERE rowid > ?1",
        [nodes_before],
    )?;
    tx.execute(
        "INSERT INTO search_rows (row, entity)
         SELECT rowid, entity FROM search_index WHERE rowid > ?1",
        [index_before],
    )?;
    tracing::info!("import: search index written");
    if logged_whole {
        tx.execute(
            "INSERT INTO change_log (at, actor, op, entity, after)
             VALUES (?1, ?2, 'import', ?3, json_object('nodes', ?4, 'edges', ?5))",
            params![
                at,
                actor,
                IMPORT_ENTITY,
                plan.nodes.len() as i64,
                plan.edges.len() as i64
            ],
        )?;
    } else {
        log_each(tx, &at, actor, nodes_before, edges_before)?;
    }
    tracing::info!(whole = logged_whole, "import: change log written");
    for (_, definition) in &indexes {
        tx.execute_batch(definition)?;
    }
    if rebuild {
        tracing::info!(indexes = indexes.len(), "import: indexes built");
    }
    report.finish();
    Ok(())
}

/// Logs each node and edge inserted after the given row ids with its image, the one
/// `store::sync_corpus` logs for a node or edge without citations.
fn log_each(
    tx: &Transaction<'_>,
    at: &str,
    actor: &str,
    nodes_before: i64,
    edges_before: i64,
) -> rusqlite::Result<()> {
    // One commit, one time: every entry of the import carries it.
    tx.execute(
        "INSERT INTO change_log (at, actor, op, entity, after)
         SELECT ?1, ?2, 'create', id, json_object('id', id, 'title', title, 'note', note,
                'date', date, 'start', start_date, 'end', end_date, 'place', place,
                'format', format, 'citations', json('[]'))
         FROM nodes WHERE rowid > ?3 ORDER BY rowid",
        params![at, actor, nodes_before],
    )?;
    tx.execute(
        "INSERT INTO change_log (at, actor, op, entity, after)
         SELECT ?1, ?2, 'create', id, json_object('from', source, 'kind', kind, 'to', target,
                'note', note, 'citations', json('[]'))
         FROM edges WHERE rowid > ?3 ORDER BY rowid",
        params![at, actor, edges_before],
    )?;
    Ok(())
}

/// Drops the indexes of `tables` that migrations created (not the ones behind their primary
/// keys and unique constraints) and returns them as `(name, CREATE statement)`, to be built
/// again, from their own definitions, once the rows are in.
fn drop_secondary_indexes(
    tx: &Transaction<'_>,
    tables: &[&str],
) -> rusqlite::Result<Vec<(String, String)>> {
    let tables = serde_json::to_string(tables).unwrap_or_else(|_| "[]".to_owned());
    let indexes = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL
               AND tbl_name IN (SELECT value FROM json_each(?1))
             ORDER BY name",
        )?
        .query_map([tables], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes)
}
