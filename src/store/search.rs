//! Full-text search over node titles, notes and citation quotes, with each database's own
//! machinery: FTS5 and BM25 on SQLite, `tsvector`, a GIN index and `ts_rank_cd` on PostgreSQL.
//! Both take the same [`Terms`]: every word must occur, the last one as a prefix.

use std::time::{Duration, Instant};

use super::{Conn, Pool, Store};
use sqlx::{PgPool, Row, SqliteConnection};
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
    /// Relevance, higher is better (negated BM25 on SQLite, `ts_rank_cd` on PostgreSQL).
    pub score: f64,
}

/// Brings the index up to date with `changes`, inside the caller's transaction: the rows of
/// every changed node are replaced (edges are not indexed).
pub(super) async fn update(conn: &mut Conn, changes: &[Change]) -> Result<()> {
    for change in changes {
        let is_node = |e: &Option<Entity>| matches!(e, Some(Entity::Node { .. }));
        if !is_node(&change.before) && !is_node(&change.after) {
            continue;
        }
        match &mut *conn {
            Conn::Sqlite(c) => {
                sqlx::query(
                    "DELETE FROM search_index
                     WHERE rowid IN (SELECT row FROM search_rows WHERE entity = $1)",
                )
                .bind(&change.id)
                .execute(&mut **c)
                .await?;
                sqlx::query("DELETE FROM search_rows WHERE entity = $1")
                    .bind(&change.id)
                    .execute(&mut **c)
                    .await?;
            }
            Conn::Postgres(c) => {
                sqlx::query("DELETE FROM search_index WHERE entity = $1")
                    .bind(&change.id)
                    .execute(&mut **c)
                    .await?;
            }
        }
        if let Some(Entity::Node { node, .. }) = &change.after {
            index_node(conn, node).await?;
        }
    }
    Ok(())
}

/// Adds the rows of `node` (title, note, the excerpt of each citation) to the index; on
/// SQLite also records them as the node's in `search_rows`.
pub(super) async fn index_node(conn: &mut Conn, node: &Node) -> Result<()> {
    let mut fields = vec![("title", node.title.as_str())];
    fields.extend(node.note.as_deref().map(|n| ("note", n)));
    fields.extend(node.citations.iter().map(|c| ("quote", c.excerpt.as_str())));
    for (field, text) in fields {
        match &mut *conn {
            Conn::Sqlite(c) => {
                sqlx::query(
                    "INSERT INTO search_index (entity, kind, field, text)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(node.id.as_str())
                .bind(node.kind().as_str())
                .bind(field)
                .bind(text)
                .execute(&mut **c)
                .await?;
                sqlx::query(
                    "INSERT INTO search_rows (row, entity) VALUES (last_insert_rowid(), $1)",
                )
                .bind(node.id.as_str())
                .execute(&mut **c)
                .await?;
            }
            Conn::Postgres(c) => {
                sqlx::query(
                    "INSERT INTO search_index (entity, kind, field, text, words)
                     VALUES ($1, $2, $3, $4, to_tsvector('simple', $5))",
                )
                .bind(node.id.as_str())
                .bind(node.kind().as_str())
                .bind(field)
                .bind(text)
                .bind(words(text))
                .execute(&mut **c)
                .await?;
            }
        }
    }
    Ok(())
}

/// `text` with every character but letters and digits made a space: what PostgreSQL's
/// index is built from, so its words are those [`fts_query`] splits a search into.
pub(super) fn words(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
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

/// Shortest last word taken as a prefix: "m" would expand to every word that starts with it
/// (most of the index, and seconds at a million nodes); shorter last words match whole.
pub const MIN_PREFIX: usize = 3;

/// The distinct words of a search text, lower-cased, in order: every one must occur, the last
/// one as a prefix when it has at least [`MIN_PREFIX`] characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    words: Vec<String>,
}

impl Terms {
    /// As an FTS5 query. Quoting each word means no user input is parsed as FTS5 syntax.
    pub fn fts5(&self) -> String {
        self.render(|w| format!("\"{w}\""), |w| format!("\"{w}\"*"), " ")
    }

    /// As an FTS5 query with the last word whole too: what most hits match, and far cheaper
    /// for FTS5 to look up one row with than a prefix.
    fn fts5_whole(&self) -> String {
        self.render(|w| format!("\"{w}\""), |w| format!("\"{w}\""), " ")
    }

    /// The last word, when it is taken as a prefix (at least [`MIN_PREFIX`] characters).
    fn prefix(&self) -> Option<&str> {
        self.words
            .last()
            .map(String::as_str)
            .filter(|w| w.chars().count() >= MIN_PREFIX)
    }

    /// As an FTS5 query with the last word replaced by any of `words` (each whole): the
    /// words of the index that start with it.
    fn fts5_any_last(&self, words: &[String]) -> String {
        let any: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
        let any = format!("({})", any.join(" OR "));
        self.render(|w| format!("\"{w}\""), |_| any.clone(), " AND ")
    }

    /// As a PostgreSQL `tsquery` (for `to_tsquery('simple', …)`). Words are letters and
    /// digits only, so quoting each one leaves nothing to parse as query syntax.
    pub fn tsquery(&self) -> String {
        self.render(|w| format!("'{w}'"), |w| format!("'{w}':*"), " & ")
    }

    fn render(
        &self,
        word: impl Fn(&str) -> String,
        prefix: impl Fn(&str) -> String,
        and: &str,
    ) -> String {
        let Some((last, rest)) = self.words.split_last() else {
            return String::new();
        };
        let mut terms: Vec<String> = rest.iter().map(|w| word(w)).collect();
        terms.push(if last.chars().count() >= MIN_PREFIX {
            prefix(last)
        } else {
            word(last)
        });
        terms.join(and)
    }
}

/// Turns free text into search [`Terms`]: every distinct word must occur (words compared
/// without case, as the indexes do), the last one as a prefix; `None` when there is no word.
pub fn fts_query(text: &str) -> std::result::Result<Option<Terms>, BadText> {
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
    Ok((!words.is_empty()).then_some(Terms { words }))
}

/// The best-ranked nodes matching `terms` (from [`fts_query`]) after the `skip` best, at most
/// `first`, one hit per node (its best field). Past `deadline` the database is interrupted and
/// the search ends.
pub async fn search(
    store: &Store,
    terms: &Terms,
    kinds: &[NodeKind],
    skip: usize,
    first: usize,
    deadline: Option<Instant>,
) -> std::result::Result<Vec<Hit>, SearchError> {
    let _turn = match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline.into(), RUNNING.acquire())
            .await
            .map_err(|_| SearchError::Deadline)?,
        None => RUNNING.acquire().await,
    }
    .map_err(|e| crate::error::Error::Database(e.to_string()))?;
    // No page starts past the ranked rows, on either store: such a page is empty, and cheap
    // (and `skip + first` stays far from overflowing).
    if skip >= RANKED_AT_MOST {
        return Ok(Vec::new());
    }
    let pool = match &store.pool {
        Pool::Sqlite(pool) => pool,
        Pool::Postgres(pool) => return postgres(pool, terms, kinds, skip, first, deadline).await,
    };
    let mut conn = pool.acquire().await.map_err(crate::error::Error::from)?;
    if let Some(deadline) = deadline {
        conn.lock_handle()
            .await
            .map_err(crate::error::Error::from)?
            .set_progress_handler(STEPS_PER_CHECK, move || Instant::now() < deadline);
    }
    let found = ranked(&mut conn, terms, kinds, skip, first).await;
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

/// Rows asked of FTS5 per hit wanted: a node has a few indexed fields (title, note, quotes),
/// so this many rows usually hold `first` distinct nodes; when not, the window grows.
const ROWS_PER_HIT: usize = 4;

/// Matching rows ranked at most: ranking reads each row's size, so a word in most of the
/// graph (a million fields) would cost seconds; at 1m edges, ranking 10 000 rows took 12 ms,
/// 5 000 took 6 ms (2.3 ms of it fixed: `bm25` first counts the rows of each word). Past this
/// many matches, the best of the first this many (in index order, oldest first) are returned.
pub const RANKED_AT_MOST: usize = 5_000;

/// Most indexed words a prefix is replaced by; past them the search keeps the prefix.
const PREFIX_WORDS_AT_MOST: usize = 64;

/// The FTS5 query for `terms`, with the last word's prefix replaced by the words of the
/// index that start with it (FTS5 ranks and snips a handful of whole words several times
/// faster than a prefix, whose postings it merges on every use); the prefix query itself
/// when more than [`PREFIX_WORDS_AT_MOST`] words start with it, or when it is not ASCII.
async fn whole_words(conn: &mut SqliteConnection, terms: &Terms) -> Result<String> {
    // The index folds case and strips diacritics; the vocabulary holds words folded so. An
    // ASCII prefix folds to its lower case, as `fts_query` leaves it; any other is left to
    // FTS5's own folding of a prefix query.
    let Some(prefix) = terms.prefix().filter(|p| p.is_ascii()) else {
        return Ok(terms.fts5());
    };
    // The prefix as a whole word, whether the index has it or not, and the longer words that
    // start with it: every such word sorts from it followed by '0' (the lowest character a
    // word holds: words are letters and digits) to it followed by the last code point. The
    // vocabulary counts the rows of each word it visits, so the prefix itself is not asked
    // for: a common word (`measure`, in 3M rows at 10m edges) cost 27 ms so, and `term > $1`
    // still visits it.
    let longer: Vec<String> = sqlx::query_scalar(
        "SELECT term FROM search_vocabulary
         WHERE term >= $1 || '0' AND term < $1 || char(1114111)
         ORDER BY term LIMIT $2",
    )
    .bind(prefix)
    .bind(PREFIX_WORDS_AT_MOST as i64)
    .fetch_all(&mut *conn)
    .await?;
    let words: Vec<String> = std::iter::once(prefix.to_owned()).chain(longer).collect();
    Ok(if words.len() > PREFIX_WORDS_AT_MOST {
        terms.fts5()
    } else {
        terms.fts5_any_last(&words)
    })
}

/// The best-ranked rows first, a bounded window at a time: SQLite keeps only the top `LIMIT`
/// rows while ranking, nothing is materialised beyond them, and snippets (which re-read the
/// text) are made for the returned hits only. At most [`RANKED_AT_MOST`] matches are ranked.
async fn ranked(
    conn: &mut SqliteConnection,
    terms: &Terms,
    kinds: &[NodeKind],
    skip: usize,
    first: usize,
) -> Result<Vec<Hit>> {
    let wanted = skip + first;
    let query = whole_words(conn, terms).await?;
    let query = query.as_str();
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let kinds_json = serde_json::to_string(&kinds).unwrap_or_else(|_| "[]".to_owned());
    // The last row ranked: the RANKED_AT_MOST-th match, found without ranking (a walk of the
    // index in rowid order); none when there are fewer matches.
    let last: i64 = sqlx::query_scalar(
        "SELECT rowid FROM search_index
         WHERE search_index MATCH $1
           AND (json_array_length($2) = 0 OR kind IN (SELECT value FROM json_each($2)))
         LIMIT 1 OFFSET $3",
    )
    .bind(query)
    .bind(&kinds_json)
    .bind(RANKED_AT_MOST as i64 - 1)
    .fetch_optional(&mut *conn)
    .await?
    .unwrap_or(i64::MAX);
    let mut window = wanted * ROWS_PER_HIT + 8;
    let (mut hits, mut rowids) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashSet::new();
    loop {
        let rows = sqlx::query(
            // Ordered by the `bm25` column, not by `rank`: asking for both runs bm25 twice,
            // its count of each word's rows included (28 ms a time for `measure` at 10m).
            "SELECT rowid, entity, field, -bm25(search_index) AS score
             FROM search_index
             WHERE search_index MATCH $1
               AND (json_array_length($2) = 0 OR kind IN (SELECT value FROM json_each($2)))
               AND rowid <= $4
             ORDER BY score DESC, rowid
             LIMIT $3",
        )
        .bind(query)
        .bind(&kinds_json)
        .bind(window as i64)
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        hits.clear();
        rowids.clear();
        seen.clear();
        for row in &rows {
            let entity: String = row.try_get("entity")?;
            if !seen.insert(entity.clone()) {
                continue;
            }
            rowids.push(row.try_get::<i64, _>("rowid")?);
            hits.push(Hit {
                entity,
                field: row.try_get("field")?,
                snippet: String::new(),
                score: row.try_get("score")?,
            });
            if hits.len() == wanted {
                break;
            }
        }
        if hits.len() == wanted || rows.len() < window {
            break;
        }
        window *= 4;
    }
    // The earlier pages' hits only counted; snippets are made for this page's.
    let skipped = skip.min(hits.len());
    hits.drain(..skipped);
    rowids.drain(..skipped);
    // A snippet per hit, from the whole-word query when the row has the whole word (one
    // seek), else from the query itself (by prefix, when too many words start with the last
    // one: then it reads the prefix's postings).
    let whole = terms.fts5_whole();
    for (hit, rowid) in hits.iter_mut().zip(&rowids) {
        for query in [whole.as_str(), query] {
            let snippet: Option<String> = sqlx::query_scalar(
                "SELECT snippet(search_index, 3, '[', ']', '…', 16)
                 FROM search_index WHERE search_index MATCH $1 AND rowid = $2",
            )
            .bind(query)
            .bind(rowid)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some(snippet) = snippet {
                hit.snippet = snippet;
                break;
            }
        }
    }
    Ok(hits)
}

/// The PostgreSQL search: the best field of each matching node, ranked, with a `ts_headline`
/// snippet for the returned ones only. The deadline becomes the statement's timeout.
async fn postgres(
    pool: &PgPool,
    terms: &Terms,
    kinds: &[NodeKind],
    skip: usize,
    first: usize,
    deadline: Option<Instant>,
) -> std::result::Result<Vec<Hit>, SearchError> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let mut tx = pool.begin().await.map_err(crate::error::Error::from)?;
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(SearchError::Deadline);
        }
        // Whole milliseconds, at least one: 0 would mean no timeout at all.
        let ms = left.max(Duration::from_millis(1)).as_millis();
        sqlx::query(&format!("SET LOCAL statement_timeout = {ms}"))
            .execute(&mut *tx)
            .await
            .map_err(crate::error::Error::from)?;
    }
    let rows = sqlx::query(
        "WITH q AS (SELECT to_tsquery('simple', $1) AS q),
         best AS (
             SELECT DISTINCT ON (entity) entity, field, text,
                    ts_rank_cd(words, (SELECT q FROM q))::float8 AS score
             FROM search_index
             WHERE words @@ (SELECT q FROM q)
               AND (cardinality($2::text[]) = 0 OR kind = ANY($2))
             ORDER BY entity, score DESC, row)
         SELECT entity, field, score,
                ts_headline('simple', text, (SELECT q FROM q),
                            'StartSel=[,StopSel=],MaxWords=16,MinWords=4,ShortWord=0') AS snippet
         FROM (SELECT * FROM best ORDER BY score DESC, entity COLLATE \"C\"
               LIMIT $3 OFFSET $4) AS top
         ORDER BY score DESC, entity COLLATE \"C\"",
    )
    .bind(terms.tsquery())
    .bind(&kinds)
    .bind(i64::try_from(first).unwrap_or(i64::MAX))
    .bind(i64::try_from(skip).unwrap_or(i64::MAX))
    .fetch_all(&mut *tx)
    .await;
    let rows = match rows {
        Ok(rows) => rows,
        // 57014: query_canceled, which is what a statement timeout raises.
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("57014") => {
            return Err(SearchError::Deadline);
        }
        Err(e) => return Err(crate::error::Error::from(e).into()),
    };
    tx.commit().await.map_err(crate::error::Error::from)?;
    rows.into_iter()
        .map(|row| {
            Ok(Hit {
                entity: row.try_get("entity")?,
                field: row.try_get("field")?,
                snippet: row.try_get("snippet")?,
                score: row.try_get("score")?,
            })
        })
        .collect::<std::result::Result<_, sqlx::Error>>()
        .map_err(|e| crate::error::Error::from(e).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts5(text: &str) -> Option<String> {
        fts_query(text).expect("accepted").map(|t| t.fts5())
    }

    #[test]
    fn a_last_word_shorter_than_three_characters_matches_whole() {
        assert_eq!(fts5("border s"), Some("\"border\" \"s\"".to_owned()));
        assert_eq!(fts5("eu"), Some("\"eu\"".to_owned()));
        assert_eq!(fts5("bor"), Some("\"bor\"*".to_owned()));
    }

    #[test]
    fn free_text_becomes_quoted_terms_with_a_prefix_on_the_last() {
        assert_eq!(
            fts5("border secur"),
            Some("\"border\" \"secur\"*".to_owned())
        );
        assert_eq!(
            fts5("\"x\" OR yes*"),
            Some("\"x\" \"or\" \"yes\"*".to_owned())
        );
        assert_eq!(fts_query("  -- "), Ok(None));
        assert_eq!(
            fts_query("Border secur'")
                .expect("accepted")
                .map(|t| t.tsquery()),
            Some("'border' & 'secur':*".to_owned())
        );
    }

    /// The FTS5 query for `text` on a real index (the production migrations, in memory)
    /// holding `texts`.
    async fn expanded(texts: &[String], text: &str) -> String {
        use sqlx::Connection;
        let mut conn = SqliteConnection::connect("sqlite::memory:")
            .await
            .expect("open");
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut conn)
            .await
            .expect("migrate");
        for t in texts {
            sqlx::query(
                "INSERT INTO search_index (entity, kind, field, text) VALUES ('n', 'GOAL', 'title', $1)",
            )
            .bind(t)
            .execute(&mut conn)
            .await
            .expect("insert");
        }
        let terms = fts_query(text).expect("accepted").expect("words");
        whole_words(&mut conn, &terms).await.expect("looked up")
    }

    #[tokio::test]
    async fn a_prefix_becomes_the_indexed_words_that_start_with_it_up_to_a_bound() {
        let texts = ["Border security", "Borders and bordering states", "Bore"].map(String::from);
        assert_eq!(
            expanded(&texts, "state BORDER").await,
            "\"state\" AND (\"border\" OR \"bordering\" OR \"borders\")"
        );
        // The prefix is always one of the words, in the index or not.
        assert_eq!(expanded(&texts, "borx").await, "(\"borx\")");
        assert_eq!(
            expanded(&texts, "bord").await,
            "(\"bord\" OR \"border\" OR \"bordering\" OR \"borders\")"
        );
        // A whole word (under three letters) and a prefix not in ASCII are left as they are.
        assert_eq!(expanded(&texts, "bo").await, "\"bo\"");
        assert_eq!(expanded(&texts, "bör").await, "\"bör\"*");
        // Past PREFIX_WORDS_AT_MOST words, the prefix query stays.
        let many: Vec<String> = (0..PREFIX_WORDS_AT_MOST)
            .map(|i| format!("word{i}"))
            .collect();
        assert_eq!(expanded(&many, "wor").await, "\"wor\"*");
        let fewer = &many[..PREFIX_WORDS_AT_MOST - 1];
        let query = expanded(fewer, "wor").await;
        assert_eq!(query.matches(" OR ").count(), PREFIX_WORDS_AT_MOST - 1);
    }

    #[test]
    fn repeated_words_count_once_and_too_many_are_refused() {
        assert_eq!(fts5(&"border ".repeat(70)), Some("\"border\"*".to_owned()));
        assert_eq!(fts5("Border BORDER border"), Some("\"border\"*".to_owned()));
        let many: Vec<String> = (0..17).map(|i| format!("w{i}")).collect();
        assert_eq!(fts_query(&many.join(" ")), Err(BadText::TooManyWords(17)));
        assert_eq!(fts_query(&"b".repeat(501)), Err(BadText::TooLong(501)));
    }
}
