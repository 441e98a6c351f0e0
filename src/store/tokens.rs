//! The `tokens` table: names, hashes, creation and revocation times (never a token itself).

use super::Store;

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
    let inserted = on_pool!(store, |p| {
        sqlx::query("INSERT INTO tokens (name, hash) VALUES ($1, $2)")
            .bind(name)
            .bind(hash)
            .execute(p)
            .await
            .map(|_| ())
    });
    match inserted {
        Ok(()) => Ok(true),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Every token, oldest first.
pub async fn list(store: &Store) -> Result<Vec<TokenInfo>> {
    let rows: Vec<(String, String, Option<String>)> = on_pool!(store, |p| {
        sqlx::query_as("SELECT name, created_at, revoked_at FROM tokens ORDER BY created_at, name")
            .fetch_all(p)
            .await?
    });
    Ok(rows
        .into_iter()
        .map(|(name, created_at, revoked_at)| TokenInfo {
            name,
            created_at,
            revoked_at,
        })
        .collect())
}

/// Marks the active token `name` revoked; `Ok(false)` when there is none.
pub async fn revoke(store: &Store, name: &str) -> Result<bool> {
    let sql = format!(
        "UPDATE tokens SET revoked_at = {} WHERE name = $1 AND revoked_at IS NULL",
        store.backend().now_sql()
    );
    let revoked = on_pool!(store, |p| {
        sqlx::query(&sql)
            .bind(name)
            .execute(p)
            .await?
            .rows_affected()
    });
    Ok(revoked > 0)
}

/// The name of the active token with this hash.
pub async fn name_of(store: &Store, hash: &str) -> Result<Option<String>> {
    Ok(on_pool!(store, |p| {
        sqlx::query_scalar("SELECT name FROM tokens WHERE hash = $1 AND revoked_at IS NULL")
            .bind(hash)
            .fetch_optional(p)
            .await?
    }))
}
