//! Bearer tokens for writes: created from the CLI (printed once, stored as a SHA-256 hash),
//! listed, revoked, and checked on every request that carries one.

use sha2::{Digest, Sha256};
use sqlx::{Row, SqlitePool};

use crate::error::{Error, Result};

/// Who made a request: the name of a valid token. Recorded as the actor in the change log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

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

/// Prefix of every token, so a leaked one is recognisable in logs and by secret scanners.
const PREFIX: &str = "pgt_";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a token named `name` and returns it; only its hash is stored.
pub async fn create(pool: &SqlitePool, name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "a token name is 1 to 100 printable characters".to_owned(),
        ));
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret)
        .map_err(|e| Error::Invalid(format!("no randomness for a token: {e}")))?;
    let token: String = std::iter::once(PREFIX.to_owned())
        .chain(secret.iter().map(|b| format!("{b:02x}")))
        .collect();
    let inserted = sqlx::query("INSERT INTO tokens (name, hash) VALUES (?, ?)")
        .bind(name)
        .bind(hash(&token))
        .execute(pool)
        .await;
    match inserted {
        Ok(_) => Ok(token),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(Error::Invalid(format!(
            "a token named `{name}` already exists (revoked ones keep their name)"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Every token, oldest first.
pub async fn list(pool: &SqlitePool) -> Result<Vec<TokenInfo>> {
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

/// Revokes the token named `name`; an unknown or already revoked name is an error.
pub async fn revoke(pool: &SqlitePool, name: &str) -> Result<()> {
    let done = sqlx::query(
        "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
         WHERE name = ? AND revoked_at IS NULL",
    )
    .bind(name)
    .execute(pool)
    .await?;
    if done.rows_affected() == 0 {
        return Err(Error::Invalid(format!(
            "no active token named `{name}` (see `policygraph token list`)"
        )));
    }
    Ok(())
}

/// The actor a presented token stands for, or `None` when it is unknown or revoked.
pub async fn verify(pool: &SqlitePool, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM tokens WHERE hash = ? AND revoked_at IS NULL")
            .bind(hash(token))
            .fetch_optional(pool)
            .await?;
    Ok(name.map(Actor))
}
