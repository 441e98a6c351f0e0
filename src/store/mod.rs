//! The store: every read and write of the database, and the only place that knows it is
//! SQLite. Callers hold a [`Store`] (a cheap handle to the database) and, for work that must
//! see one consistent state, a [`Tx`]; no sqlx type crosses this module's boundary, so a second
//! backend is added here and nowhere else.

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

/// Opens (creating if needed) the database at `url` and applies pending migrations: for the
/// commands that make a database (`serve`, `load`, `import`) and for tests.
pub async fn connect(url: &str) -> Result<Store> {
    open(url, true).await
}

/// Opens the database at `url`, refusing one that does not exist (a mistyped path must not
/// silently become an empty database): for the commands that only read or add to one.
pub async fn connect_existing(url: &str) -> Result<Store> {
    open(url, false).await
}

/// Opens the database at `url` and applies pending migrations; creates the file only when
/// `create` is set, and says so.
///
/// `url` is a `sqlite:` URL or a plain file path. Settings chosen on purpose: WAL so readers never
/// wait for a writer, `synchronous=FULL` so a committed write survives power loss, foreign keys
/// enforced, and a busy timeout so concurrent writers queue instead of failing.
async fn open(url: &str, create: bool) -> Result<Store> {
    let url = if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    };
    let options = SqliteConnectOptions::from_str(&url)
        .map_err(|e| Error::Database(format!("bad database URL `{url}`: {e}")))?
        .create_if_missing(create)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let file = options.get_filename().to_path_buf();
    let in_memory = file.as_os_str() == ":memory:";
    if !in_memory && !file.exists() {
        if !create {
            return Err(Error::Invalid(format!(
                "no database at `{}` (from --database-url or DATABASE_URL); check the path: \
                 `policygraph serve`, `load` and `import` create one",
                file.display()
            )));
        }
        tracing::info!(path = %file.display(), "creating a new database");
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .map_err(|e| Error::Database(format!("cannot open `{url}`: {e}")))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|e| Error::Database(format!("cannot migrate `{url}`: {e}")))?;
    Ok(Store { pool })
}

/// A handle to the database; clones share its connections.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// A store over an open SQLite pool (migrations already applied): for tests and tools that
    /// set the pool up themselves.
    pub fn from_sqlite(pool: SqlitePool) -> Store {
        Store { pool }
    }

    /// The SQLite pool underneath, for tests and SQLite-specific tools; the product itself
    /// goes through the store's functions.
    pub fn sqlite(&self) -> &SqlitePool {
        &self.pool
    }

    /// A store of one connection over the same database, for the single writer: reads
    /// (searches, token checks, the audit trail) can then never take the connection a write
    /// needs.
    pub fn writer(&self) -> Store {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_lazy_with(self.pool.connect_options().as_ref().clone());
        Store { pool }
    }

    /// Connections open now: in use, and idle.
    pub fn connections(&self) -> (usize, usize) {
        let idle = self.pool.num_idle();
        (
            self.pool.size() as usize - idle.min(self.pool.size() as usize),
            idle,
        )
    }

    /// Closes every connection (waiting for those in use), e.g. before the file is moved or
    /// checked by another program.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A read transaction: everything read through it sees one state of the database.
    pub async fn read(&self) -> Result<Tx> {
        Tx::begin(&self.pool, "BEGIN").await
    }

    /// The write transaction: it holds the database's write lock from its first statement,
    /// so what it reads stays true until it commits.
    pub async fn write(&self) -> Result<Tx> {
        Tx::begin(&self.pool, "BEGIN IMMEDIATE").await
    }
}

/// A transaction on one connection. Committed or rolled back explicitly; dropped or abandoned
/// open, its connection is closed instead of returned (SQLite rolls back whatever it held), so
/// a failed write can never leave a pooled connection inside a transaction.
pub struct Tx {
    conn: Option<sqlx::pool::PoolConnection<sqlx::Sqlite>>,
}

impl Tx {
    async fn begin(pool: &SqlitePool, begin: &str) -> Result<Tx> {
        let mut conn = pool.acquire().await?;
        sqlx::query(begin).execute(&mut *conn).await?;
        Ok(Tx { conn: Some(conn) })
    }

    /// The connection, while the transaction is open.
    fn conn(&mut self) -> Result<&mut sqlx::SqliteConnection> {
        match self.conn.as_mut() {
            Some(conn) => Ok(&mut **conn),
            None => Err(Error::Database("the transaction has ended".to_owned())),
        }
    }

    async fn end(mut self, statement: &str) -> Result<()> {
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| Error::Database("the transaction has ended".to_owned()))?;
        match sqlx::query(statement).execute(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(e) => {
                // Unknown state: the connection goes, not back to the pool.
                let _ = conn.close().await;
                Err(e.into())
            }
        }
    }

    /// Makes the transaction's writes durable.
    pub async fn commit(self) -> Result<()> {
        self.end("COMMIT").await
    }

    /// Discards the transaction's writes.
    pub async fn rollback(self) -> Result<()> {
        self.end("ROLLBACK").await
    }

    /// Ends the transaction after a failure by closing its connection (SQLite rolls back
    /// by itself, even when a full disk left it unable to say so).
    pub async fn abandon(mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Detached, the connection closes when dropped instead of returning to the pool
            // mid-transaction.
            drop(conn.detach());
        }
    }
}

/// True when the database holds no nodes yet (a fresh file).
pub async fn is_empty(store: &Store) -> Result<bool> {
    let pool = &store.pool;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM nodes")
        .fetch_one(pool)
        .await?;
    Ok(count == 0)
}
