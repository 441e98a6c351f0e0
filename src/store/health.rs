//! Is the store usable? Quick probes for readiness, SQLite's integrity checks for start-up and
//! `policygraph doctor`, and a rebuild of the search index from the nodes it indexes.

use super::Store;
use sqlx::{Connection, Row, SqlitePool};

use super::read::read_contents;
use crate::error::Result;

/// Reads one row of the graph and the change log's position: fails when the store cannot be
/// read.
pub async fn probe_read(store: &Store) -> Result<()> {
    let pool = &store.pool;
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT count(*) FROM (SELECT 1 FROM nodes LIMIT 1)")
        .fetch_one(&mut *conn)
        .await?;
    super::changes::last_seq_on(&mut conn).await?;
    Ok(())
}

/// Commits a one-row write: fails when the store cannot take writes (a full disk, a read-only
/// file). A connection whose write failed is closed, never reused.
pub async fn probe_write(store: &Store) -> Result<()> {
    let pool = &store.pool;
    let mut conn = pool.acquire().await?;
    let written = async {
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
        sqlx::query("INSERT OR REPLACE INTO store_probe (id, at) VALUES (1, datetime('now'))")
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }
    .await;
    if let Err(e) = written {
        let _ = conn.close().await;
        return Err(e.into());
    }
    Ok(())
}

/// What an integrity check found: empty when the store is sound.
pub type Problems = Vec<String>;

/// `PRAGMA quick_check` over every table and index, and FTS5's own check of the search index:
/// fast enough for every start-up (linear in the file, no index cross-checks).
pub async fn quick_check(store: &Store) -> Result<Problems> {
    let pool = &store.pool;
    check(pool, "PRAGMA quick_check").await
}

/// `PRAGMA integrity_check` (also cross-checks every index against its table) and FTS5's
/// check of the search index.
pub async fn integrity_check(store: &Store) -> Result<Problems> {
    let pool = &store.pool;
    check(pool, "PRAGMA integrity_check").await
}

async fn check(pool: &SqlitePool, pragma: &str) -> Result<Problems> {
    let mut conn = pool.acquire().await?;
    let mut problems: Problems = match sqlx::query(pragma).fetch_all(&mut *conn).await {
        Ok(rows) => rows
            .iter()
            .filter_map(|row| row.try_get::<String, _>(0).ok())
            .filter(|line| line != "ok")
            .collect(),
        // A damaged header or schema can fail the check itself.
        Err(e) => vec![format!("the check itself failed: {e}")],
    };
    if let Err(e) = sqlx::query("INSERT INTO search_index(search_index) VALUES ('integrity-check')")
        .execute(&mut *conn)
        .await
    {
        problems.push(format!("search index: {e}"));
    }
    Ok(problems)
}

/// Empties the search index and indexes every node again, in one transaction. Returns the
/// number of nodes indexed.
pub async fn rebuild_search(store: &Store) -> Result<usize> {
    let pool = &store.pool;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    // Dropped and created again from its own definition (the migration's), so a damaged
    // index goes whole, shadow tables included.
    let definition: String = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_index'",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DROP TABLE search_index")
        .execute(&mut *tx)
        .await?;
    sqlx::query(&definition).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM search_rows")
        .execute(&mut *tx)
        .await?;
    let contents = read_contents(&mut tx).await?;
    for node in &contents.nodes {
        super::search::index_node(&mut tx, node).await?;
    }
    tx.commit().await?;
    Ok(contents.nodes.len())
}
