//! Full-text search (SQLite FTS5) over node titles, notes and citation quotes.

use sqlx::{Row, SqliteConnection, SqlitePool};

use crate::dataset::{Change, Entity};

use crate::error::Result;
use crate::model::NodeKind;

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
        sqlx::query("DELETE FROM search_index WHERE entity = ?")
            .bind(&change.id)
            .execute(&mut *conn)
            .await?;
        let Some(Entity::Node { node, .. }) = &change.after else {
            continue;
        };
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
        }
    }
    Ok(())
}

/// Turns free text into an FTS5 query: every word must occur, the last one as a prefix.
/// Quoting each word means no user input is parsed as FTS5 syntax.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let (last, rest) = words.split_last()?;
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Some(terms.join(" "))
}

/// The best-ranked nodes matching `text`, at most `first`, one hit per node (its best field).
pub async fn search(
    pool: &SqlitePool,
    text: &str,
    kinds: &[NodeKind],
    first: usize,
) -> Result<Vec<Hit>> {
    let Some(query) = fts_query(text) else {
        return Ok(Vec::new());
    };
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
    .bind(&query)
    .bind(&kinds_json)
    .fetch_all(pool)
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
    use super::fts_query;

    #[test]
    fn free_text_becomes_quoted_terms_with_a_prefix_on_the_last() {
        assert_eq!(
            fts_query("border secur").as_deref(),
            Some("\"border\" \"secur\"*")
        );
        assert_eq!(
            fts_query("\"x\" OR y*").as_deref(),
            Some("\"x\" \"OR\" \"y\"*")
        );
        assert_eq!(fts_query("  -- "), None);
    }
}
