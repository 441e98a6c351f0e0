//! Bearer tokens for writes: created from the CLI (printed once, stored as a SHA-256 hash),
//! listed, revoked, and checked on every request that carries one. The table is
//! `store::tokens`'s.

use crate::store::Store;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::tokens;
pub use crate::store::tokens::TokenInfo;

/// Who made a request: the name of a valid token. Recorded as the actor in the change log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor(pub String);

/// Prefix of every token, so a leaked one is recognisable in logs and by secret scanners.
const PREFIX: &str = "pgt_";

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Creates a token named `name` and returns it; only its hash is stored.
pub async fn create(pool: &Store, name: &str) -> Result<String> {
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
    if tokens::insert(pool, name, &hash(&token)).await? {
        Ok(token)
    } else {
        Err(Error::Invalid(format!(
            "a token named `{name}` already exists (revoked ones keep their name)"
        )))
    }
}

/// Every token, oldest first.
pub async fn list(pool: &Store) -> Result<Vec<TokenInfo>> {
    tokens::list(pool).await
}

/// Revokes the token named `name`; an unknown or already revoked name is an error.
pub async fn revoke(pool: &Store, name: &str) -> Result<()> {
    if !tokens::revoke(pool, name).await? {
        return Err(Error::Invalid(format!(
            "no active token named `{name}` (see `policygraph token list`)"
        )));
    }
    Ok(())
}

/// The actor a presented token stands for, or `None` when it is unknown or revoked.
pub async fn verify(pool: &Store, token: &str) -> Result<Option<Actor>> {
    if !token.starts_with(PREFIX) {
        return Ok(None);
    }
    Ok(tokens::name_of(pool, &hash(token)).await?.map(Actor))
}
