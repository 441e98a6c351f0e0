//! Opening a store: the URL names the backend, the pool settings are chosen here, and pending
//! migrations (each backend's own folder) are applied.

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Backend, Pool, Store};
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

/// How long a request waits for a free connection before it fails: a database that is gone
/// must cost a request seconds, not the pool's default half minute.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Pool settings for an SQLite store of `connections` connections.
pub(super) fn sqlite_pool_options(connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// Pool settings for a PostgreSQL store of `connections` connections.
pub(super) fn postgres_pool_options(connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// Read connections of a PostgreSQL store: searches run two at a time, token checks and the
/// audit trail need the rest; the writer has its own.
const POSTGRES_READERS: u32 = 6;

/// Opens the database at `url` and applies pending migrations; creates it only when `create`
/// is set, and says so.
async fn open(url: &str, create: bool) -> Result<Store> {
    match Backend::of_url(url) {
        Backend::Sqlite => open_sqlite(url, create).await,
        Backend::Postgres => open_postgres(url, create).await,
    }
}

/// `url` is a `sqlite:` URL or a plain file path. Settings chosen on purpose: WAL so readers
/// never wait for a writer, `synchronous=FULL` so a committed write survives power loss,
/// foreign keys enforced, and a busy timeout so concurrent writers queue instead of failing.
async fn open_sqlite(url: &str, create: bool) -> Result<Store> {
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
    let pool = sqlite_pool_options(4)
        .connect_with(options)
        .await
        .map_err(|e| Error::Database(format!("cannot open `{url}`: {e}")))?;
    sqlx::migrate!("./migrations/sqlite")
        .run(&pool)
        .await
        .map_err(|e| Error::Database(format!("cannot migrate `{url}`: {e}")))?;
    Ok(Store {
        pool: Pool::Sqlite(pool),
    })
}

/// A `postgres://` URL. The database is created when missing only if `create` is set; the
/// migrations run under sqlx's advisory lock, so servers starting together apply them once.
async fn open_postgres(url: &str, create: bool) -> Result<Store> {
    let shown = redact(url);
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| Error::Database(format!("bad database URL `{shown}`: {e}")))?;
    let exists = sqlx::Postgres::database_exists(url)
        .await
        .map_err(|e| Error::Database(format!("cannot reach `{shown}`: {e}")))?;
    if !exists {
        if !create {
            return Err(Error::Invalid(format!(
                "no database at `{shown}` (from --database-url or DATABASE_URL); check the \
                 name: `policygraph serve`, `load` and `import` create one"
            )));
        }
        tracing::info!(url = %shown, "creating a new database");
        sqlx::Postgres::create_database(url)
            .await
            .map_err(|e| Error::Database(format!("cannot create `{shown}`: {e}")))?;
    }
    let pool = postgres_pool_options(POSTGRES_READERS)
        .connect_with(options)
        .await
        .map_err(|e| Error::Database(format!("cannot open `{shown}`: {e}")))?;
    sqlx::migrate!("./migrations/postgres")
        .run(&pool)
        .await
        .map_err(|e| Error::Database(format!("cannot migrate `{shown}`: {e}")))?;
    Ok(Store {
        pool: Pool::Postgres(pool),
    })
}

/// `url` without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::of_url("postgres://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("postgresql://u@h/db"), Backend::Postgres);
        assert_eq!(Backend::of_url("sqlite://a.db"), Backend::Sqlite);
        assert_eq!(Backend::of_url("policygraph.db"), Backend::Sqlite);
    }

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact("postgres://me:secret@db:5432/pg"),
            "postgres://me:***@db:5432/pg"
        );
        assert_eq!(redact("postgres://me@db/pg"), "postgres://me@db/pg");
        assert_eq!(redact("a.db"), "a.db");
    }
}
