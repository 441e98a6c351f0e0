//! Moving a curated graph between stores (`policygraph migrate-store`): every row of the graph,
//! the source texts, the change log (sequence numbers, times and actors as they were) and the
//! tokens' hashes, read in one transaction and written in one, into a store that holds none
//! of them yet. The search index is derived, so it is rebuilt in the target.

use super::{Backend, Conn, Store, Tx};
use sqlx::Row;

use crate::error::{Error, Result};

/// What a column holds.
#[derive(Clone, Copy)]
enum Type {
    Text,
    Int,
}

use Type::{Int, Text};

/// A table: its name, its columns with their types, and its key.
type Table = (&'static str, &'static [(&'static str, Type)], &'static str);

/// The tables copied, parents before children.
const TABLES: &[Table] = &[
    (
        "nodes",
        &[
            ("id", Text),
            ("kind", Text),
            ("title", Text),
            ("note", Text),
            ("date", Text),
            ("start_date", Text),
            ("end_date", Text),
            ("place", Text),
            ("format", Text),
        ],
        "id",
    ),
    (
        "documents",
        &[("node_id", Text), ("path", Text), ("text", Text)],
        "node_id",
    ),
    (
        "edges",
        &[
            ("id", Text),
            ("source", Text),
            ("kind", Text),
            ("target", Text),
            ("note", Text),
            ("valid_from", Text),
            ("valid_to", Text),
        ],
        "id",
    ),
    (
        "citations",
        &[
            ("id", Int),
            ("node_id", Text),
            ("edge_id", Text),
            ("document_id", Text),
            ("quote", Text),
            ("start_char", Int),
            ("end_char", Int),
            ("line", Int),
            ("col", Int),
            ("occurrences", Int),
            ("excerpt", Text),
        ],
        "id",
    ),
    (
        "change_log",
        &[
            ("seq", Int),
            ("at", Text),
            ("actor", Text),
            ("op", Text),
            ("entity", Text),
            ("before", Text),
            ("after", Text),
        ],
        "seq",
    ),
    (
        "tokens",
        &[
            ("name", Text),
            ("hash", Text),
            ("created_at", Text),
            ("revoked_at", Text),
        ],
        "name",
    ),
];

/// One stored value.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Text(Option<String>),
    Int(Option<i64>),
}

/// Rows per `INSERT`: under both backends' limits on bound parameters.
const CHUNK: usize = 500;

/// Rows copied, per table, in [`TABLES`] order.
pub type CopyReport = Vec<(&'static str, usize)>;

/// Copies everything from `from` into `to`, which must hold no nodes, log entries or tokens.
pub async fn copy_all(from: &Store, to: &Store) -> Result<CopyReport> {
    let mut read = from.read().await?;
    let mut tables = Vec::with_capacity(TABLES.len());
    for &(table, columns, key) in TABLES {
        tables.push(read_table(&mut read, table, columns, key).await?);
    }
    read.commit().await?;

    let mut write = to.write().await?;
    for table in ["nodes", "change_log", "tokens"] {
        let count: i64 = on_conn!(write.conn()?, |c| {
            sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
                .fetch_one(&mut *c)
                .await?
        });
        if count > 0 {
            return Err(Error::Invalid(format!(
                "the target store already holds {count} rows of `{table}`; \
                 migrate into a new, empty database"
            )));
        }
    }
    let mut report = CopyReport::new();
    for (&(table, columns, _), rows) in TABLES.iter().zip(&tables) {
        for chunk in rows.chunks(CHUNK) {
            insert(&mut write, table, columns, chunk).await?;
        }
        report.push((table, rows.len()));
    }
    if write.backend() == Backend::Postgres {
        // Explicit keys leave the identity sequences behind: the next entry follows the
        // copied ones.
        for (table, column) in [("change_log", "seq"), ("citations", "id")] {
            on_conn!(write.conn()?, |c| {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                                   coalesce((SELECT max({column}) FROM {table}), 1),
                                   (SELECT count(*) > 0 FROM {table}))"
                ))
                .execute(&mut *c)
                .await?
                .rows_affected()
            });
        }
    }
    super::changes::notify(write.conn()?).await?;
    write.commit().await?;
    super::health::rebuild_search(to).await?;
    Ok(report)
}

async fn read_table(
    tx: &mut Tx,
    table: &str,
    columns: &[(&str, Type)],
    key: &str,
) -> Result<Vec<Vec<Value>>> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let sql = format!("SELECT {} FROM {table} ORDER BY {key}", names.join(", "));
    on_conn!(tx.conn()?, |c| {
        let rows = sqlx::query(&sql).fetch_all(&mut *c).await?;
        rows.iter()
            .map(|row| {
                columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| {
                        Ok(match kind {
                            Text => Value::Text(row.try_get(i)?),
                            Int => Value::Int(row.try_get(i)?),
                        })
                    })
                    .collect::<Result<Vec<Value>>>()
            })
            .collect::<Result<Vec<_>>>()
    })
}

async fn insert(
    tx: &mut Tx,
    table: &str,
    columns: &[(&str, Type)],
    rows: &[Vec<Value>],
) -> Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", names.join(", "));
    let mut n = 0;
    for (i, _) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        let group: Vec<String> = (0..columns.len())
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        sql.push_str(&format!("({})", group.join(", ")));
    }
    let conn: &mut Conn = tx.conn()?;
    on_conn!(conn, |c| {
        let mut query = sqlx::query(&sql);
        for value in rows.iter().flatten() {
            query = match value {
                Value::Text(text) => query.bind(text.as_deref()),
                Value::Int(int) => query.bind(*int),
            };
        }
        query.execute(&mut *c).await?.rows_affected()
    });
    Ok(())
}
