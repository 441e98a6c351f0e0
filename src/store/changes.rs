//! Reading the change log: the audit trail of every write, oldest first.

use super::{Store, Tx};
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
    /// `create`, `update` or `delete`.
    pub op: String,
    /// The node or edge id.
    pub entity: String,
    /// JSON image before the change.
    pub before: Option<serde_json::Value>,
    /// JSON image after the change.
    pub after: Option<serde_json::Value>,
}

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

/// Up to `limit` entries matching `filter`, oldest first, and whether more follow.
pub async fn read_log(
    store: &Store,
    filter: &LogFilter<'_>,
    limit: usize,
) -> Result<(Vec<LogEntry>, bool)> {
    let pool = &store.pool;
    let rows = sqlx::query(
        "SELECT seq, at, actor, op, entity, before, after FROM change_log
         WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR seq > ?2)
           AND (?3 IS NULL OR entity = ?3)
         ORDER BY seq LIMIT ?4",
    )
    .bind(filter.since)
    .bind(filter.after_seq)
    .bind(filter.entity)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .fetch_all(pool)
    .await?;
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    let mut entries = rows
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
        .collect::<Result<Vec<_>>>()?;
    let more = entries.len() > limit;
    entries.truncate(limit);
    Ok((entries, more))
}

/// Every entry after `after_seq` up to and including `upto`, oldest first, inside the
/// caller's transaction: what a follower applies to catch up.
pub async fn read_range(tx: &mut Tx, after_seq: i64, upto: i64) -> Result<Vec<LogEntry>> {
    let conn = tx.conn()?;
    let rows = sqlx::query(
        "SELECT seq, at, actor, op, entity, after FROM change_log
         WHERE seq > ?1 AND seq <= ?2 ORDER BY seq",
    )
    .bind(after_seq)
    .bind(upto)
    .fetch_all(&mut *conn)
    .await?;
    let json = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
    rows.into_iter()
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
}

/// The position of the newest change-log entry (0 for an empty log): every write moves it.
pub async fn last_seq(tx: &mut Tx) -> Result<i64> {
    last_seq_on(tx.conn()?).await
}

/// [`last_seq`] on a connection of this module's.
pub(super) async fn last_seq_on(conn: &mut sqlx::SqliteConnection) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT coalesce(max(seq), 0) FROM change_log")
            .fetch_one(conn)
            .await?,
    )
}

/// The position of the newest change-log entry, read on its own (a follower's poll).
pub async fn position(store: &Store) -> Result<i64> {
    let mut conn = store.pool.acquire().await?;
    last_seq_on(&mut conn).await
}

/// Count of entries matching `filter`.
pub async fn count_log(store: &Store, filter: &LogFilter<'_>) -> Result<i64> {
    let pool = &store.pool;
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM change_log
         WHERE (?1 IS NULL OR at >= ?1) AND (?2 IS NULL OR seq > ?2)
           AND (?3 IS NULL OR entity = ?3)",
    )
    .bind(filter.since)
    .bind(filter.after_seq)
    .bind(filter.entity)
    .fetch_one(pool)
    .await?)
}
