//! Automatic persisted queries, Apollo's protocol: a client sends
//! `extensions.persistedQuery = { version: 1, sha256Hash }` without the query text; when the
//! server does not hold that hash it answers `PERSISTED_QUERY_NOT_FOUND`, and the client sends
//! text and hash once, after which the hash alone will do (a short GET URL a cache can key on).
//!
//! The hash is turned back into text before anything else reads the request, so a persisted
//! mutation meets the same checks as a written-out one (a token, POST only), and the parse
//! cache, the document limits and HTTP caching see an ordinary query. async-graphql's
//! `ApolloPersistedQueries` extension resolves the hash later, inside execution, after those
//! checks have looked at an empty document.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use async_graphql::{Request, ServerError};
use sha2::{Digest, Sha256};

use super::errors::{Code, server_error};

/// Queries held at most; the store is emptied when full (clients then send the text again).
const CAP: usize = 512;

/// Longest query text held (bytes); longer ones run but are not remembered, so the store
/// holds at most `CAP × MAX_LEN` bytes of text.
const MAX_LEN: usize = 32 * 1024;

/// Query texts by their SHA-256, hex.
static QUERIES: LazyLock<Mutex<HashMap<String, Arc<str>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// What a request's `persistedQuery` extension says.
#[derive(serde::Deserialize)]
struct Persisted {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

/// Replaces a persisted query's hash by its text (or remembers the text sent with its hash).
/// Requests without the extension are left as they are.
pub fn resolve(request: &mut Request) -> Result<(), ServerError> {
    let Some(value) = request.extensions.remove("persistedQuery") else {
        return Ok(());
    };
    let persisted: Persisted = async_graphql::from_value(value).map_err(|_| {
        server_error(
            Code::BadUserInput,
            "`extensions.persistedQuery` must be {\"version\": 1, \"sha256Hash\": \"<hex>\"}",
        )
    })?;
    if persisted.version != 1 {
        return Err(server_error(
            Code::BadUserInput,
            "only version 1 of the persisted query protocol is supported",
        ));
    }
    let hash = persisted.sha256_hash.to_ascii_lowercase();
    if request.query.is_empty() {
        let text = QUERIES.lock().ok().and_then(|q| q.get(&hash).cloned());
        let text = text
            .ok_or_else(|| server_error(Code::PersistedQueryNotFound, "PersistedQueryNotFound"))?;
        request.query = text.to_string();
        return Ok(());
    }
    if format!("{:x}", Sha256::digest(request.query.as_bytes())) != hash {
        return Err(server_error(
            Code::BadUserInput,
            "`sha256Hash` is not the SHA-256 of the query text",
        ));
    }
    if request.query.len() <= MAX_LEN
        && let Ok(mut queries) = QUERIES.lock()
    {
        if queries.len() >= CAP && !queries.contains_key(&hash) {
            queries.clear();
        }
        queries.insert(hash, Arc::from(request.query.as_str()));
    }
    Ok(())
}
