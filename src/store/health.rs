//! Is the store usable? Quick probes for readiness, the database's integrity checks for
//! start-up and `policygraph doctor`, and a rebuild of the search index from the nodes it
//! indexes.

use super::{Backend, Conn, Store};
use sqlx::Row;

use super::read::read_contents;
use crate::error::Result;

/// Reads one row of the graph and the change log's position: fails when the store cannot be
/// read.
pub async fn probe_read(store: &Store) -> Result<()> {
    let mut conn = store.acquire().await?;
    on_conn!(&mut conn, |c| {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM (SELECT 1 FROM nodes LIMIT 1) AS one")
            .fetch_one(&mut *c)
            .await?
    });
    super::changes::last_seq_on(&mut conn).await?;
    Ok(())
}

/// Commits a one-row write: fails when the store cannot take writes (a full disk, a read-only
/// file, a database that is gone). A connection whose write failed is closed, never reused.
pub async fn probe_write(store: &Store) -> Result<()> {
    let mut tx = store.write().await?;
    // Seconds since the epoch: the row only has to change.
    let at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    let written = on_conn!(tx.conn()?, |c| {
        sqlx::query(
            "INSERT INTO store_probe (id, at) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        )
        .bind(at)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected())
    });
    if let Err(e) = written {
        tx.abandon().await;
        return Err(e.into());
    }
    tx.commit().await
}

/// What an integrity check found: empty when the store is sound.
pub type Problems = Vec<String>;

/// On SQLite, `PRAGMA quick_check` over every table and index, and FTS5's own check of the
/// search index: fast enough for every start-up (linear in the file, no index cross-checks).
/// On PostgreSQL, which checks its own pages, nothing (see [`integrity_check`]).
pub async fn quick_check(store: &Store) -> Result<Problems> {
    check(store, "PRAGMA quick_check").await
}

/// On SQLite, `PRAGMA integrity_check` (also cross-checks every index against its table) and
/// FTS5's check of the search index. On PostgreSQL, that every node has its title in the
/// search index (the part of the store this program derives itself); page and index checks
/// are the server's (`pg_amcheck`).
pub async fn integrity_check(store: &Store) -> Result<Problems> {
    if store.backend() == Backend::Postgres {
        let missing: Vec<String> = on_pool!(store, |p| {
            sqlx::query_scalar(
                "SELECT id FROM nodes n WHERE NOT EXISTS
                   (SELECT 1 FROM search_index s WHERE s.entity = n.id AND s.field = 'title')
                 LIMIT 10",
            )
            .fetch_all(p)
            .await?
        });
        return Ok(missing
            .into_iter()
            .map(|id| format!("search index: no title row for `{id}`"))
            .collect());
    }
    check(store, "PRAGMA integrity_check").await
}

async fn check(store: &Store, pragma: &str) -> Result<Problems> {
    let Some(pool) = store.sqlite() else {
        return Ok(Problems::new());
    };
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
    let mut tx = store.write().await?;
    let conn = tx.conn()?;
    if let Conn::Sqlite(c) = conn {
        // Dropped and created again from its own definition (the migration's), so a damaged
        // index goes whole, shadow tables included.
        let definition: String = sqlx::query_scalar(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_index'",
        )
        .fetch_one(&mut **c)
        .await?;
        sqlx::query("DROP TABLE search_index")
            .execute(&mut **c)
            .await?;
        sqlx::query(&definition).execute(&mut **c).await?;
        sqlx::query("DELETE FROM search_rows")
            .execute(&mut **c)
            .await?;
    } else {
        on_conn!(&mut *conn, |c| sqlx::query("DELETE FROM search_index")
            .execute(&mut *c)
            .await?
            .rows_affected());
    }
    let contents = read_contents(conn).await?;
    for node in &contents.nodes {
        super::search::index_node(conn, node).await?;
    }
    tx.commit().await?;
    Ok(contents.nodes.len())
}
