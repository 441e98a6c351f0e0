//! Reading the change log: the audit trail of every write, oldest first, and the wake-up a
//! follower gets when another process appends to it.

use super::{Pool, Store, Tx};
use sqlx::Row;

use crate::error::Result;

/// One change-log entry.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// Position in the log; strictly increasing.
    pub seq: i64,
    /// When it was committed (UTC, ISO 8601 with milliseconds).
    pub at: String,
    /// Who wrote it: a token name, or `seed-load` for seed loads.
    pub actor: String,
    /// `create`, `update`, `delete`, or `import` for a large import logged whole.
    pub op: String,
    /// The node or edge id; [`IMPORT_ENTITY`] for an `import`.
    pub entity: String,
    /// JSON image before the change.
    pub before: Option<serde_json::Value>,
    /// JSON image after the change.
    pub after: Option<serde_json::Value>,
}

/// Most entries a follower patches into its snapshot one by one; a larger change is read from
/// the store whole. So an import of more nodes and edges than this is logged as one `import`
/// entry (its `after` holds the counts): one JSON image per imported node and edge was 2.5 GB
/// and 47 s of a 120 s import at 10m edges, and no follower would have read them.
pub const PATCHED_AT_MOST: usize = 50_000;

/// The `entity` of an `import` entry (no node or edge id is spelled so).
pub const IMPORT_ENTITY: &str = "import";

/// Which entries to read.
#[derive(Clone, Debug, Default)]
pub struct LogFilter<'a> {
    /// Only entries committed at or after this ISO 8601 date or time.
    pub since: Option<&'a str>,
    /// Only entries after this sequence number.
    pub after_seq: Option<i64>,
    /// Only entries about this entity.
    pub entity: Option<&'a str>,
}

/// The `WHERE` clause of `filter`: a condition for each filter that is set, its parameters
/// numbered from `$1` in the order `since`, `after_seq`, `entity` (bound by [`bind_filter`]).
/// Each combination is its own statement, so one with `entity` reads `change_log_by_entity`
/// (a catch-all `$3 IS NULL OR entity = $3` cannot use an index).
fn filter_clause(filter: &LogFilter<'_>) -> String {
    let mut conditions = Vec::new();
    let mut param = 0;
    let mut next = || {
        param += 1;
        param
    };
    if filter.since.is_some() {
        // Times never decrease along the log (`Backend::log_time_sql`): the entries since a
        // time are the ones from the first at or after it, found in `change_log_by_at`, on.
        let since = next();
        conditions.push(format!(
            "seq >= coalesce((SELECT seq FROM change_log WHERE at >= ${since}
                              ORDER BY at, seq LIMIT 1), {})
             AND at >= ${since}",
            i64::MAX
        ));
    }
    if filter.after_seq.is_some() {
        conditions.push(format!("seq > ${}", next()));
    }
    if filter.entity.is_some() {
        conditions.push(format!("entity = ${}", next()));
    }
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    }
}

/// Binds the parameters of [`filter_clause`] to a query of either backend, in its order.
macro_rules! bind_filter {
    ($query:expr, $filter:expr) => {{
        let mut query = $query;
        if let Some(since) = $filter.since {
            query = query.bind(since);
        }
        if let Some(seq) = $filter.after_seq {
            query = query.bind(seq);
        }
        if let Some(entity) = $filter.entity {
            query = query.bind(entity);
        }
        query
    }};
}

/// Up to `limit` entries matching `filter`, oldest first, and whether more follow.
pub async fn read_log(
    store: &Store,
    filter: &LogFilter<'_>,
    limit: usize,
) -> Result<(Vec<LogEntry>, bool)> {
    let limit_plus_one = i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1);
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    let sql = format!(
        "SELECT seq, at, actor, op, entity, before, after FROM change_log {}
         ORDER BY seq LIMIT {limit_plus_one}",
        filter_clause(filter)
    );
    let mut entries = on_pool!(store, |p| {
        bind_filter!(sqlx::query(&sql), filter)
            .fetch_all(p)
            .await?
            .into_iter()
            .map(|r| {
                Ok(LogEntry {
                    seq: r.try_get("seq")?,
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    op: r.try_get("op")?,
                    entity: r.try_get("entity")?,
                    before: json(r.try_get("before")?),
                    after: json(r.try_get("after")?),
                })
            })
            .collect::<Result<Vec<_>>>()?
    });
    let more = entries.len() > limit;
    entries.truncate(limit);
    Ok((entries, more))
}

/// Every entry after `after_seq` up to and including `upto`, oldest first, inside the
/// caller's transaction: what a follower applies to catch up.
pub async fn read_range(tx: &mut Tx, after_seq: i64, upto: i64) -> Result<Vec<LogEntry>> {
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    on_conn!(tx.conn()?, |c| {
        sqlx::query(
            "SELECT seq, at, actor, op, entity, after FROM change_log
             WHERE seq > $1 AND seq <= $2 ORDER BY seq",
        )
        .bind(after_seq)
        .bind(upto)
        .fetch_all(&mut *c)
        .await?
        .into_iter()
        .map(|r| {
            Ok(LogEntry {
                seq: r.try_get("seq")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                op: r.try_get("op")?,
                entity: r.try_get("entity")?,
                before: None,
                after: json(r.try_get("after")?),
            })
        })
        .collect()
    })
}

/// The position of the newest change-log entry (0 for an empty log): every write moves it.
pub async fn last_seq(tx: &mut Tx) -> Result<i64> {
    last_seq_on(tx.conn()?).await
}

/// The position of the newest change-log entry (0 for none).
pub(super) const LAST_SEQ: &str = "SELECT coalesce(max(seq), 0) FROM change_log";

/// [`last_seq`] on a connection of this module's.
pub(super) async fn last_seq_on(conn: &mut super::Conn) -> Result<i64> {
    Ok(on_conn!(conn, |c| {
        sqlx::query_scalar(LAST_SEQ).fetch_one(&mut *c).await?
    }))
}

/// The position of the newest change-log entry, read on its own (a follower's poll).
pub async fn position(store: &Store) -> Result<i64> {
    let mut conn = store.acquire().await?;
    last_seq_on(&mut conn).await
}

/// The channel a PostgreSQL write notifies when it commits.
const CHANNEL: &str = "policygraph_changes";

/// Inside a write transaction: asks PostgreSQL to wake every follower when it commits (a
/// notification is sent on commit and dropped on rollback). Nothing on SQLite, whose
/// followers only poll.
pub(super) async fn notify(conn: &mut super::Conn) -> Result<()> {
    if let super::Conn::Postgres(c) = conn {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(&mut **c)
            .await?;
    }
    Ok(())
}

/// A wake-up call for followers: on PostgreSQL, a `LISTEN` on the channel writes notify.
/// It says only that the log may have moved; the sequence number stays the truth, so a lost
/// notification (a dropped connection) costs latency, never a change.
pub struct Wakeup {
    listener: sqlx::postgres::PgListener,
}

impl Wakeup {
    /// Listens on `store`'s database; `None` on SQLite (no notifications there).
    pub async fn listen(store: &Store) -> Result<Option<Wakeup>> {
        let Pool::Postgres(pool) = &store.pool else {
            return Ok(None);
        };
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Wakeup { listener }))
    }

    /// Waits for the next notification. A lost connection is retried inside (and reported as
    /// a wake-up, since changes may have been missed meanwhile); an error means the database
    /// refused to listen again.
    pub async fn next(&mut self) -> Result<()> {
        self.listener.try_recv().await?;
        Ok(())
    }
}

impl std::fmt::Debug for Wakeup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wakeup")
    }
}

/// Count of entries matching `filter`.
pub async fn count_log(store: &Store, filter: &LogFilter<'_>) -> Result<i64> {
    let sql = format!("SELECT count(*) FROM change_log {}", filter_clause(filter));
    Ok(on_pool!(store, |p| {
        bind_filter!(sqlx::query_scalar(&sql), filter)
            .fetch_one(p)
            .await?
    }))
}
