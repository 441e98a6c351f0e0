//! The SQLite import: multi-row `INSERT`s whose prepared statements are reused, in one
//! `BEGIN IMMEDIATE` transaction with a large page cache, then the log and the search index
//! filled set-wise from the rows just written.

use sqlx::{Sqlite, SqlitePool, Transaction};

use super::{Plan, Progress, Reporter, edge_id_text, unchanged_since_planned};
use crate::error::Result;

/// Rows per multi-row `INSERT`: fewer round trips to SQLite's worker thread, and well below
/// SQLite's limit of 32 766 bound parameters.
const CHUNK: usize = 256;

/// SQLite page cache for the import connection, in KiB (released when the import ends).
const IMPORT_CACHE_KIB: u32 = 512 * 1024;

/// Writes `plan` in one transaction as `actor`. `stored` is how many nodes the store held
/// when the plan was validated: if another write landed since, nothing is written.
pub(super) async fn write(
    pool: &SqlitePool,
    plan: &Plan,
    stored: usize,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let mut conn = pool.acquire().await?;
    // A million index entries in random key order thrash SQLite's default 2 MB page cache;
    // a large cache for this connection keeps the index pages in memory until the commit.
    sqlx::query(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))
        .execute(&mut *conn)
        .await?;
    let result = write_in(&mut conn, plan, stored, actor, progress).await;
    let reset = sqlx::query("PRAGMA cache_size = -2000")
        .execute(&mut *conn)
        .await;
    result?;
    reset?;
    tracing::info!("import: committed");
    // Move the transaction from the WAL into the database file now: otherwise the next
    // process to open the file replays a WAL as large as the import (0.75 s of a 2 s start-up
    // budget at 1m edges). Best effort: a busy reader only postpones it.
    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut *conn)
        .await
    {
        tracing::warn!(error = %e, "import: cannot checkpoint the WAL; it will be later");
    }
    Ok(())
}

/// The write transaction of [`write`].
async fn write_in(
    conn: &mut sqlx::SqliteConnection,
    plan: &Plan,
    stored: usize,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    use sqlx::Connection;
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
    // Recheck under the write lock: a node created since the read above would collide.
    let taken: Vec<String> = sqlx::query_scalar("SELECT id FROM nodes")
        .fetch_all(&mut *tx)
        .await?;
    unchanged_since_planned(plan, &taken, stored)?;
    write_plan(&mut tx, plan, actor, progress).await?;
    tx.commit().await?;
    Ok(())
}

/// Inserts the plan inside `tx`.
async fn write_plan(
    tx: &mut Transaction<'_, Sqlite>,
    plan: &Plan,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let mut report = Reporter::new(progress, plan);
    let (nodes_before, edges_before): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT coalesce(max(rowid), 0) FROM nodes),
                (SELECT coalesce(max(rowid), 0) FROM edges)",
    )
    .fetch_one(&mut **tx)
    .await?;

    const NODES: &str = "INSERT INTO nodes (id, kind, title) VALUES ";
    const EDGES: &str = "INSERT INTO edges (id, source, kind, target) VALUES ";
    let (full_nodes, full_edges) = (values_sql(NODES, 3, CHUNK), values_sql(EDGES, 4, CHUNK));
    for chunk in plan.nodes.chunks(CHUNK) {
        let sql = if chunk.len() == CHUNK {
            full_nodes.clone()
        } else {
            values_sql(NODES, 3, chunk.len())
        };
        let mut query = sqlx::query(&sql);
        for n in chunk {
            query = query
                .bind(n.id.as_str())
                .bind(n.kind.as_str())
                .bind(n.title.as_str());
        }
        query.execute(&mut **tx).await?;
        report.add(chunk.len());
    }
    for chunk in plan.edges.chunks(CHUNK) {
        let sql = if chunk.len() == CHUNK {
            full_edges.clone()
        } else {
            values_sql(EDGES, 4, chunk.len())
        };
        let mut query = sqlx::query(&sql);
        for e in chunk {
            let (from, to) = (&plan.ids[e.from as usize], &plan.ids[e.to as usize]);
            query = query
                .bind(edge_id_text(&plan.ids, e.from, e.kind, e.to))
                .bind(from.as_str())
                .bind(e.kind.as_str())
                .bind(to.as_str());
        }
        query.execute(&mut **tx).await?;
        report.add(chunk.len());
    }

    tracing::info!("import: rows inserted");
    // The change log and the search index, set-wise from the rows just inserted; the JSON
    // images are the ones `store::sync_corpus` logs for a node or edge without citations.
    // FTS5 walks its rowids in order natively; `max(rowid)` would scan.
    let index_before: i64 = sqlx::query_scalar(
        "SELECT coalesce((SELECT rowid FROM search_index ORDER BY rowid DESC LIMIT 1), 0)",
    )
    .fetch_one(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO search_index (entity, kind, field, text)
         SELECT id, kind, 'title', title FROM nodes WHERE rowid > ?",
    )
    .bind(nodes_before)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO search_rows (row, entity)
         SELECT rowid, entity FROM search_index WHERE rowid > ?",
    )
    .bind(index_before)
    .execute(&mut **tx)
    .await?;
    tracing::info!("import: search index written");
    sqlx::query(
        "INSERT INTO change_log (actor, op, entity, after)
         SELECT ?, 'create', id, json_object('id', id, 'title', title, 'note', note, 'date', date,
                'start', start_date, 'end', end_date, 'place', place, 'format', format,
                'citations', json('[]'))
         FROM nodes WHERE rowid > ? ORDER BY rowid",
    )
    .bind(actor)
    .bind(nodes_before)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO change_log (actor, op, entity, after)
         SELECT ?, 'create', id, json_object('from', source, 'kind', kind, 'to', target,
                'note', note, 'citations', json('[]'))
         FROM edges WHERE rowid > ? ORDER BY rowid",
    )
    .bind(actor)
    .bind(edges_before)
    .execute(&mut **tx)
    .await?;
    report.finish();
    Ok(())
}

/// `INSERT ... VALUES (?, ?, ?), (?, ?, ?), ...` for `rows` rows of `columns` values.
fn values_sql(head: &str, columns: usize, rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    let mut sql = String::with_capacity(head.len() + rows * (row.len() + 2));
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&row);
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_inserts_have_one_placeholder_group_per_row() {
        assert_eq!(
            values_sql("INSERT INTO t (a, b) VALUES ", 2, 2),
            "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)"
        );
    }
}
