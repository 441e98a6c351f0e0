//! The store: every read and write of the database, and the only place that knows which
//! database it is. Two backends sit behind one handle: SQLite (the embedded default, a file)
//! and PostgreSQL (the shared store of many servers, `DATABASE_URL=postgres://…`). Callers hold
//! a [`Store`] (a cheap handle) and, for work that must see one consistent state, a [`Tx`]; no
//! sqlx type crosses this module's boundary.
//!
//! Most statements are the same text on both backends (`$1` placeholders, which SQLite also
//! reads) and are written once: [`on_conn!`] and [`on_pool!`] expand them once per backend, so
//! each copy is type-checked against its driver. Where the SQL differs, both texts sit side by
//! side, chosen by [`Backend`].

/// Runs `$body` with `$c` bound to the open connection of a [`Conn`], once per backend.
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::Conn::Sqlite(pooled) => {
                let $c: &mut sqlx::SqliteConnection = &mut *pooled;
                $body
            }
            $crate::store::Conn::Postgres(pooled) => {
                let $c: &mut sqlx::PgConnection = &mut *pooled;
                $body
            }
        }
    };
}

/// Runs `$body` with `$p` bound to the pool of a [`Store`], once per backend.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($p) => $body,
            $crate::store::Pool::Postgres($p) => $body,
        }
    };
}

pub mod bulk;
pub mod changes;
mod connect;
pub mod copy;
mod file_read;
pub mod health;
mod read;
pub mod search;
pub mod tokens;
mod write;

pub use connect::{connect, connect_existing, redact};
pub use read::{
    Contents, read_all, read_dataset, read_graph_at, read_graph_beside, read_graph_in, read_text,
    read_texts,
};
pub use write::{Curated, SyncReport, sync_corpus, write_changes};

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};

use crate::error::{Error, Result};

/// Which database a store is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file: one machine, one writer at a time.
    Sqlite,
    /// A PostgreSQL database (or an engine speaking its protocol): shared by many servers.
    Postgres,
}

impl Backend {
    /// The backend a `DATABASE_URL` names: `postgres://` and `postgresql://` URLs are
    /// PostgreSQL, anything else (a `sqlite:` URL or a plain path) is an SQLite file.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    /// Its name in logs and reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// SQL for the time of a new change-log entry: now, or the last entry's time when the
    /// clock is behind it. Writers take turns (the write lock), so times never decrease along
    /// the log, and `changes(since:)` finds its first entry in `change_log_by_at` instead of
    /// reading every entry before it.
    pub(crate) fn log_time_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "max(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
                     coalesce((SELECT at FROM change_log ORDER BY seq DESC LIMIT 1), ''))"
            }
            Backend::Postgres => {
                "GREATEST(to_char(clock_timestamp() AT TIME ZONE 'UTC',
                                  'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') COLLATE \"C\",
                          COALESCE((SELECT at FROM change_log ORDER BY seq DESC LIMIT 1), '')
                              COLLATE \"C\")"
            }
        }
    }

    /// SQL for the current UTC time as ISO 8601 text with milliseconds, the store's format.
    fn now_sql(self) -> &'static str {
        match self {
            Backend::Sqlite => "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
            Backend::Postgres => {
                "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
            }
        }
    }
}

/// The connections of one backend.
#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One connection taken from a [`Pool`].
enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Closes the connection instead of returning it to the pool (its state is unknown).
    async fn close(self) {
        let _ = match self {
            Conn::Sqlite(c) => c.close().await,
            Conn::Postgres(c) => c.close().await,
        };
    }
}

/// A handle to the database; clones share its connections.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

impl Store {
    /// A store over an open SQLite pool (migrations already applied): for tests and tools that
    /// set the pool up themselves.
    pub fn from_sqlite(pool: SqlitePool) -> Store {
        Store {
            pool: Pool::Sqlite(pool),
        }
    }

    /// The SQLite pool underneath, for tests and SQLite-specific tools; `None` on PostgreSQL.
    /// The product itself goes through the store's functions.
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(pool) => Some(pool),
            Pool::Postgres(_) => None,
        }
    }

    /// The file of a SQLite store; `None` for an in-memory one or PostgreSQL.
    fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        let file = self
            .sqlite()?
            .connect_options()
            .get_filename()
            .to_path_buf();
        (file.as_os_str() != ":memory:" && file.is_file()).then_some(file)
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// A store of one connection over the same database, for the single writer: reads
    /// (searches, token checks, the audit trail) can then never take the connection a write
    /// needs.
    pub fn writer(&self) -> Store {
        let pool = match &self.pool {
            Pool::Sqlite(pool) => Pool::Sqlite(
                connect::sqlite_pool_options(1)
                    .connect_lazy_with(pool.connect_options().as_ref().clone()),
            ),
            Pool::Postgres(pool) => Pool::Postgres(
                connect::postgres_pool_options(1)
                    .connect_lazy_with(pool.connect_options().as_ref().clone()),
            ),
        };
        Store { pool }
    }

    /// Connections open now: in use, and idle.
    pub fn connections(&self) -> (usize, usize) {
        let (size, idle) = on_pool!(self, |p| (p.size() as usize, p.num_idle()));
        (size - idle.min(size), idle)
    }

    /// Closes every connection (waiting for those in use), e.g. before the file is moved or
    /// checked by another program.
    pub async fn close(&self) {
        on_pool!(self, |p| p.close().await)
    }

    async fn acquire(&self) -> Result<Conn> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await?),
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await?),
        })
    }

    /// A read transaction: everything read through it sees one state of the database.
    pub async fn read(&self) -> Result<Tx> {
        let begin = match self.backend() {
            Backend::Sqlite => "BEGIN",
            Backend::Postgres => "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        };
        Tx::begin(self.acquire().await?, &[begin]).await
    }

    /// The write transaction: it holds the database's write lock from its first statement,
    /// so what it reads stays true until it commits. On PostgreSQL the lock is the row of
    /// `write_lock`, which every writer of every process takes first.
    pub async fn write(&self) -> Result<Tx> {
        let statements: &[&str] = match self.backend() {
            Backend::Sqlite => &["BEGIN IMMEDIATE"],
            Backend::Postgres => &["BEGIN", "SELECT id FROM write_lock WHERE id = 1 FOR UPDATE"],
        };
        Tx::begin(self.acquire().await?, statements).await
    }
}

/// A transaction on one connection. Committed or rolled back explicitly; dropped or abandoned
/// open, its connection is closed instead of returned (the database rolls back whatever it
/// held), so a failed write can never leave a pooled connection inside a transaction.
pub struct Tx {
    conn: Option<Conn>,
}

impl Tx {
    async fn begin(mut conn: Conn, statements: &[&str]) -> Result<Tx> {
        for statement in statements {
            if let Err(e) = on_conn!(&mut conn, |c| sqlx::query(statement)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))
            {
                // It may have begun: the connection goes, not back to the pool.
                conn.close().await;
                return Err(e.into());
            }
        }
        Ok(Tx { conn: Some(conn) })
    }

    /// The connection, while the transaction is open.
    fn conn(&mut self) -> Result<&mut Conn> {
        self.conn
            .as_mut()
            .ok_or_else(|| Error::Database("the transaction has ended".to_owned()))
    }

    /// The backend the transaction runs on.
    pub fn backend(&self) -> Backend {
        self.conn.as_ref().map_or(Backend::Sqlite, Conn::backend)
    }

    async fn end(mut self, statement: &str) -> Result<()> {
        let mut conn = self
            .conn
            .take()
            .ok_or_else(|| Error::Database("the transaction has ended".to_owned()))?;
        match on_conn!(&mut conn, |c| sqlx::query(statement)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        {
            Ok(_) => Ok(()),
            Err(e) => {
                // Unknown state: the connection goes, not back to the pool.
                conn.close().await;
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

    /// Ends the transaction after a failure by closing its connection (the database rolls
    /// back by itself, even when a full disk left it unable to say so).
    pub async fn abandon(mut self) {
        if let Some(conn) = self.conn.take() {
            conn.close().await;
        }
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        // Detached, the connection closes when dropped instead of returning to the pool
        // mid-transaction.
        match self.conn.take() {
            Some(Conn::Sqlite(conn)) => drop(conn.detach()),
            Some(Conn::Postgres(conn)) => drop(conn.detach()),
            None => {}
        }
    }
}

/// True when the database holds no nodes yet (a fresh file).
pub async fn is_empty(store: &Store) -> Result<bool> {
    let count: i64 = on_pool!(store, |p| {
        sqlx::query_scalar("SELECT count(*) FROM nodes")
            .fetch_one(p)
            .await?
    });
    Ok(count == 0)
}

/// A count or offset read back from the store as the `u32` the model keeps.
fn to_u32(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| Error::Database(format!("stored data is invalid: {what} = {value}")))
}
