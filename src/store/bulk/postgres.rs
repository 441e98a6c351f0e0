//! The PostgreSQL import: each chunk of nodes or edges goes in as a few arrays that `unnest`
//! turns into rows (one statement, a handful of parameters, whatever the chunk's size), with
//! its search rows and change-log entries written from the same arrays (or, for a large
//! import, one `import` entry at the end).

use super::{Plan, Progress, Reporter, edge_id_text, unchanged_since_planned};
use crate::error::Result;
use crate::store::changes::IMPORT_ENTITY;
use crate::store::{Backend, Conn, Store};

/// Rows per statement.
const CHUNK: usize = 10_000;

/// Writes `plan` in one transaction under the write lock, as `actor`.
pub(super) async fn write(
    store: &Store,
    plan: &Plan,
    stored: usize,
    actor: &str,
    progress: Progress<'_>,
) -> Result<()> {
    let mut tx = store.write().await?;
    let Conn::Postgres(conn) = tx.conn()? else {
        return Err(crate::error::Error::Database(
            "a PostgreSQL import on another store".to_owned(),
        ));
    };
    let conn: &mut sqlx::PgConnection = conn;
    let taken: Vec<String> = sqlx::query_scalar("SELECT id FROM nodes")
        .fetch_all(&mut *conn)
        .await?;
    unchanged_since_planned(plan, &taken, stored)?;
    let mut report = Reporter::new(progress, plan);
    let logged_whole = plan.logged_whole();
    // One commit, one time: every entry of the import carries it.
    let at: String = sqlx::query_scalar(&format!("SELECT {}", Backend::Postgres.log_time_sql()))
        .fetch_one(&mut *conn)
        .await?;
    for (chunk, ids) in plan.nodes.chunks(CHUNK).zip(plan.ids.chunks(CHUNK)) {
        let ids: Vec<&str> = ids[..chunk.len()].iter().map(String::as_str).collect();
        let kinds: Vec<&str> = chunk.iter().map(|n| n.kind.as_str()).collect();
        let titles: Vec<&str> = chunk.iter().map(|n| n.title.as_str()).collect();
        sqlx::query("INSERT INTO nodes (id, kind, title) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])")
            .bind(&ids)
            .bind(&kinds)
            .bind(&titles)
            .execute(&mut *conn)
            .await?;
        let words: Vec<String> = titles
            .iter()
            .map(|t| crate::store::search::words(t))
            .collect();
        sqlx::query(
            "INSERT INTO search_index (entity, kind, field, text, words)
             SELECT id, kind, 'title', title, to_tsvector('simple', words)
             FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                 AS row (id, kind, title, words)",
        )
        .bind(&ids)
        .bind(&kinds)
        .bind(&titles)
        .bind(&words)
        .execute(&mut *conn)
        .await?;
        // The image `store::sync_corpus` logs for a node without citations.
        if !logged_whole {
            sqlx::query(
                "INSERT INTO change_log (at, actor, op, entity, after)
             SELECT $4, $1, 'create', id,
                    json_build_object('id', id, 'title', title, 'note', NULL, 'date', NULL,
                                      'start', NULL, 'end', NULL, 'place', NULL,
                                      'format', NULL, 'citations', json_build_array())::text
             FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS row (id, title, n)
             ORDER BY n",
            )
            .bind(actor)
            .bind(&ids)
            .bind(&titles)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        report.add(chunk.len());
    }
    for chunk in plan.edges.chunks(CHUNK) {
        let ids: Vec<String> = chunk
            .iter()
            .map(|e| edge_id_text(&plan.ids, e.from, e.kind, e.to))
            .collect();
        let sources: Vec<&str> = chunk
            .iter()
            .map(|e| plan.ids[e.from as usize].as_str())
            .collect();
        let kinds: Vec<&str> = chunk.iter().map(|e| e.kind.as_str()).collect();
        let targets: Vec<&str> = chunk
            .iter()
            .map(|e| plan.ids[e.to as usize].as_str())
            .collect();
        sqlx::query(
            "INSERT INTO edges (id, source, kind, target)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
        )
        .bind(&ids)
        .bind(&sources)
        .bind(&kinds)
        .bind(&targets)
        .execute(&mut *conn)
        .await?;
        if !logged_whole {
            sqlx::query(
                "INSERT INTO change_log (at, actor, op, entity, after)
             SELECT $6, $1, 'create', id,
                    json_build_object('from', source, 'kind', kind, 'to', target, 'note', NULL,
                                      'citations', json_build_array())::text
             FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
                 AS row (id, source, kind, target, n)
             ORDER BY n",
            )
            .bind(actor)
            .bind(&ids)
            .bind(&sources)
            .bind(&kinds)
            .bind(&targets)
            .bind(&at)
            .execute(&mut *conn)
            .await?;
        }
        report.add(chunk.len());
    }
    if logged_whole {
        sqlx::query(
            "INSERT INTO change_log (at, actor, op, entity, after)
             VALUES ($5, $1, 'import', $2, json_build_object('nodes', $3::bigint, 'edges', $4::bigint)::text)",
        )
        .bind(actor)
        .bind(IMPORT_ENTITY)
        .bind(plan.nodes.len() as i64)
        .bind(plan.edges.len() as i64)
        .bind(&at)
        .execute(&mut *conn)
        .await?;
    }
    crate::store::changes::notify(tx.conn()?).await?;
    tx.commit().await?;
    report.finish();
    tracing::info!("import: committed");
    Ok(())
}
