//! The `tokens` table: names, hashes, creation and revocation times (never a token itself).

use super::Store;
use sqlx::Row;

use crate::error::Result;

/// A token as listed (never the token itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its unique name.
    pub name: String,
    /// When it was created (UTC, ISO 8601).
    pub created_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Stores a token's hash under `name`; `Ok(false)` when the name is taken (revoked names too).
pub async fn insert(store: &Store, name: &str, hash: &str) -> Result<bool> {
    let pool = &store.pool;
    let inserted = sqlx::query("INSERT INTO tokens (name, hash) VALUES (?, ?)")
        .bind(name)
        .bind(hash)
        .execute(pool)
        .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Every token, oldest first.
pub async fn list(store: &Store) -> Result<Vec<TokenInfo>> {
    let pool = &store.pool;
    let rows = sqlx::query("SELECT name, created_at, revoked_at FROM tokens ORDER BY created_at")
        .fetch_all(pool)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(TokenInfo {
                name: r.try_get("name")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        })
        .collect()
}

/// Marks the active token `name` revoked; `Ok(false)` when there is none.
pub async fn revoke(store: &Store, name: &str) -> Result<bool> {
    let pool = &store.pool;
    let done = sqlx::query(
        "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE name = ? AND revoked_at IS NULL",
    )
    .bind(name)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The name of the active token with this hash.
pub async fn name_of(store: &Store, hash: &str) -> Result<Option<String>> {
    let pool = &store.pool;
    Ok(
        sqlx::query_scalar("SELECT name FROM tokens WHERE hash = ? AND revoked_at IS NULL")
            .bind(hash)
            .fetch_optional(pool)
            .await?,
    )
}
