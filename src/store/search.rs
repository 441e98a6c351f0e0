//! Full-text search (SQLite FTS5) over node titles, notes and citation quotes.

use std::time::Instant;

use super::Store;
use sqlx::{Row, SqliteConnection};
use tokio::sync::Semaphore;

use crate::dataset::{Change, Entity};

use crate::error::Result;
use crate::model::{Node, NodeKind};

/// One ranked match.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The node that matched.
    pub entity: String,
    /// What matched: `title`, `note` or `quote`.
    pub field: String,
    /// The matching passage with the matched terms between `[` and `]`.
    pub snippet: String,
    /// Relevance, higher is better (negated BM25).
    pub score: f64,
}

/// Brings the index up to date with `changes`, inside the caller's transaction: the rows of
/// every changed node are replaced (edges are not indexed).
pub async fn update(conn: &mut SqliteConnection, changes: &[Change]) -> Result<()> {
    for change in changes {
        let is_node = |e: &Option<Entity>| matches!(e, Some(Entity::Node { .. }));
        if !is_node(&change.before) && !is_node(&change.after) {
            continue;
        }
        sqlx::query(
            "DELETE FROM search_index
             WHERE rowid IN (SELECT row FROM search_rows WHERE entity = ?1)",
        )
        .bind(&change.id)
        .execute(&mut *conn)
        .await?;
        sqlx::query("DELETE FROM search_rows WHERE entity = ?")
            .bind(&change.id)
            .execute(&mut *conn)
            .await?;
        if let Some(Entity::Node { node, .. }) = &change.after {
            index_node(conn, node).await?;
        }
    }
    Ok(())
}

/// Adds the rows of `node` (title, note, the excerpt of each citation) to the index, and
/// records them as the node's in `search_rows`.
pub(super) async fn index_node(conn: &mut SqliteConnection, node: &Node) -> Result<()> {
    let mut fields = vec![("title", node.title.as_str())];
    fields.extend(node.note.as_deref().map(|n| ("note", n)));
    fields.extend(node.citations.iter().map(|c| ("quote", c.excerpt.as_str())));
    for (field, text) in fields {
        sqlx::query("INSERT INTO search_index (entity, kind, field, text) VALUES (?, ?, ?, ?)")
            .bind(node.id.as_str())
            .bind(node.kind().as_str())
            .bind(field)
            .bind(text)
            .execute(&mut *conn)
            .await?;
        sqlx::query("INSERT INTO search_rows (row, entity) VALUES (last_insert_rowid(), ?)")
            .bind(node.id.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Longest search text accepted, in characters.
pub const MAX_TEXT: usize = 500;

/// Most distinct words in one search.
pub const MAX_TERMS: usize = 16;

/// Searches running at once; the others wait. The read pool has four connections, so token
/// checks and the audit trail always find one free.
static RUNNING: Semaphore = Semaphore::const_new(2);

/// SQLite virtual-machine steps between two looks at the deadline (about a millisecond).
const STEPS_PER_CHECK: i32 = 10_000;

/// Why a search text is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadText {
    /// Over [`MAX_TEXT`] characters.
    #[error("the search text has {0} characters; at most {MAX_TEXT}")]
    TooLong(usize),
    /// Over [`MAX_TERMS`] distinct words.
    #[error("the search text has {0} distinct words; at most {MAX_TERMS}")]
    TooManyWords(usize),
}

/// Why a search gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The deadline passed, waiting for a turn or inside SQLite (the query was interrupted).
    #[error("the search ran past its deadline")]
    Deadline,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::error::Error),
}

/// Turns free text into an FTS5 query: every distinct word must occur (words compared without
/// case, as the index does), the last one as a prefix; `None` when there is no word. Quoting
/// each word means no user input is parsed as FTS5 syntax.
pub fn fts_query(text: &str) -> std::result::Result<Option<String>, BadText> {
    let length = text.chars().count();
    if length > MAX_TEXT {
        return Err(BadText::TooLong(length));
    }
    let mut words: Vec<String> = Vec::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let word = word.to_lowercase();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if words.len() > MAX_TERMS {
        return Err(BadText::TooManyWords(words.len()));
    }
    let Some((last, rest)) = words.split_last() else {
        return Ok(None);
    };
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Ok(Some(terms.join(" ")))
}

/// The best-ranked nodes matching the FTS5 `query` (from [`fts_query`]), at most `first`, one
/// hit per node (its best field). Past `deadline` SQLite is interrupted and the search ends.
pub async fn search(
    store: &Store,
    query: &str,
    kinds: &[NodeKind],
    first: usize,
    deadline: Option<Instant>,
) -> std::result::Result<Vec<Hit>, SearchError> {
    let pool = &store.pool;
    let _turn = match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline.into(), RUNNING.acquire())
            .await
            .map_err(|_| SearchError::Deadline)?,
        None => RUNNING.acquire().await,
    }
    .map_err(|e| crate::error::Error::Database(e.to_string()))?;
    let mut conn = pool.acquire().await.map_err(crate::error::Error::from)?;
    if let Some(deadline) = deadline {
        conn.lock_handle()
            .await
            .map_err(crate::error::Error::from)?
            .set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < deadline);
    }
    let found = ranked(&mut conn, query, kinds, first).await;
    if deadline.is_some() {
        // The connection goes back to the pool: it must not carry this request's deadline.
        let removed = match conn.lock_handle().await {
            Ok(mut handle) => {
                handle.remove_progress_handler();
                true
            }
            Err(_) => false,
        };
        if !removed {
            let _ = conn.close().await;
            return Err(SearchError::Deadline);
        }
    }
    match found {
        Err(_) if deadline.is_some_and(|d| Instant::now() >= d) => Err(SearchError::Deadline),
        other => Ok(other?),
    }
}

async fn ranked(
    conn: &mut SqliteConnection,
    query: &str,
    kinds: &[NodeKind],
    first: usize,
) -> Result<Vec<Hit>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let kinds_json = serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".to_owned());
    let rows = sqlx::query(
        "SELECT entity, field, snippet(search_index, 3, '[', ']', '…', 16) AS snippet,
                -bm25(search_index) AS score
         FROM search_index
         WHERE search_index MATCH ?1
           AND (json_array_length(?2) = 0 OR kind IN (SELECT value FROM json_each(?2)))
         ORDER BY rank",
    )
    .bind(query)
    .bind(&kinds_json)
    .fetch_all(&mut *conn)
    .await?;
    let mut hits: Vec<Hit> = Vec::new();
    for row in rows {
        let entity: String = row.try_get("entity")?;
        if hits.iter().any(|h| h.entity == entity) {
            continue;
        }
        hits.push(Hit {
            entity,
            field: row.try_get("field")?,
            snippet: row.try_get("snippet")?,
            score: row.try_get("score")?,
        });
        if hits.len() == first {
            break;
        }
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_becomes_quoted_terms_with_a_prefix_on_the_last() {
        assert_eq!(
            fts_query("border secur"),
            Ok(Some("\"border\" \"secur\"*".to_owned()))
        );
        assert_eq!(
            fts_query("\"x\" OR y*"),
            Ok(Some("\"x\" \"or\" \"y\"*".to_owned()))
        );
        assert_eq!(fts_query("  -- "), Ok(None));
    }

    #[test]
    fn repeated_words_count_once_and_too_many_are_refused() {
        assert_eq!(
            fts_query(&"border ".repeat(70)),
            Ok(Some("\"border\"*".to_owned()))
        );
        assert_eq!(
            fts_query("Border BORDER border"),
            Ok(Some("\"border\"*".to_owned()))
        );
        let many: Vec<String> = (0..17).map(|i| format!("w{i}")).collect();
        assert_eq!(fts_query(&many.join(" ")), Err(BadText::TooManyWords(17)));
        assert_eq!(fts_query(&"b".repeat(501)), Err(BadText::TooLong(501)));
    }
}
