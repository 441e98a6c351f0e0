//! SQLite persistence: connecting with the settings the product relies on, migrations, and
//! small named functions for each read and write.

pub mod bulk;
pub mod changes;
pub mod health;
mod read;
pub mod search;
pub mod tokens;
mod write;

pub use read::{Contents, read_all, read_all_at, read_at, read_dataset, read_texts};
pub use write::{Curated, SyncReport, sync_corpus, write_changes};

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::error::{Error, Result};

/// Opens (creating if needed) the database at `url` and applies pending migrations.
///
/// `url` is a `sqlite:` URL or a plain file path. Settings chosen on purpose: WAL so readers never
/// wait for a writer, `synchronous=FULL` so a committed write survives power loss, foreign keys
/// enforced, and a busy timeout so concurrent writers queue instead of failing.
pub async fn connect(url: &str) -> Result<SqlitePool> {
    let url = if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    };
    let options = SqliteConnectOptions::from_str(&url)
        .map_err(|e| Error::Database(format!("bad database URL `{url}`: {e}")))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|e| Error::Database(format!("cannot open `{url}`: {e}")))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|e| Error::Database(format!("cannot migrate `{url}`: {e}")))?;
    Ok(pool)
}

/// A pool of one connection over the same database as `pool`, for the single writer: reads
/// (searches, token checks, the audit trail) can then never take the connection a write needs.
pub fn writer_pool(pool: &SqlitePool) -> SqlitePool {
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_lazy_with(pool.connect_options().as_ref().clone())
}

/// True when the database holds no nodes yet (a fresh file).
pub async fn is_empty(pool: &SqlitePool) -> Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM nodes")
        .fetch_one(pool)
        .await?;
    Ok(count == 0)
}
