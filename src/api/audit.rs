//! The audit trail over GraphQL: `changes(since, first, after)` and `history` on every node.

use crate::store::Store;
use async_graphql::connection::{Connection, CursorType, Edge as ConnectionEdge, OpaqueCursor};
use async_graphql::{Context, Enum, ID, Json, Result, SimpleObject};

use super::Limits;
use super::errors::{Code, coded, internal};
use crate::store::changes::{self, LogEntry, LogFilter};

/// What a change did.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeOp {
    /// The entity was created.
    Create,
    /// The entity's content changed.
    Update,
    /// The entity was deleted.
    Delete,
    /// A large import (over 50 000 nodes and edges), logged as one entry: `entity` is
    /// `import`, `after` holds the counts (`{"nodes": …, "edges": …}`), and the nodes and
    /// edges it created have no `CREATE` entry of their own.
    Import,
}

impl ChangeOp {
    /// The operation of a change-log entry, as the store spells it.
    pub fn from_log(op: &str) -> ChangeOp {
        match op {
            "create" => ChangeOp::Create,
            "delete" => ChangeOp::Delete,
            "import" => ChangeOp::Import,
            _ => ChangeOp::Update,
        }
    }
}

/// One entry of the append-only change log.
#[derive(SimpleObject, Clone, Debug)]
pub struct Change {
    /// Position in the log; strictly increasing, never reused.
    pub seq: i64,
    /// When the change was committed (UTC, ISO 8601).
    pub at: String,
    /// Who made it: the name of the token used, or `seed-load` for seed loads.
    pub actor: String,
    /// Create, update, delete, or a large import logged as one entry.
    pub op: ChangeOp,
    /// The node id, the edge id `<from>/<KIND>/<to>`, or `import` for an `IMPORT`.
    pub entity: ID,
    /// The entity before the change (null for a creation).
    pub before: Option<Json<serde_json::Value>>,
    /// The entity after the change (null for a deletion); an `IMPORT`'s counts.
    pub after: Option<Json<serde_json::Value>>,
}

impl From<LogEntry> for Change {
    fn from(e: LogEntry) -> Self {
        Change {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            op: ChangeOp::from_log(&e.op),
            entity: ID(e.entity),
            before: e.before.map(Json),
            after: e.after.map(Json),
        }
    }
}

/// Extra fields on the change connection.
#[derive(SimpleObject)]
pub struct ChangeTotals {
    /// How many entries match `since`, over all pages.
    total_count: i64,
}

/// A page of the change log, oldest first (Relay cursor connection).
pub type ChangeConnection = Connection<OpaqueCursor<i64>, Change, ChangeTotals>;

fn pool<'c>(ctx: &Context<'c>) -> Result<&'c Store> {
    ctx.data::<Store>().map_err(|e| internal(e.message))
}

/// A page size: the default when omitted, refused above the cap.
fn page(ctx: &Context<'_>, first: Option<i32>, default: usize) -> Result<usize> {
    let cap = ctx
        .data::<Limits>()
        .map_err(|e| internal(e.message))?
        .max_page;
    match first {
        None => Ok(default.min(cap)),
        Some(f) if f < 0 => Err(coded(Code::BadUserInput, "`first` must not be negative")),
        Some(f) if f as usize > cap => Err(coded(
            Code::LimitExceeded,
            format!("`first` is {f}; at most {cap} is allowed"),
        )),
        Some(f) => Ok(f as usize),
    }
}

/// Checks that `since` starts with a date, so comparing it with stored times means something.
fn since(text: Option<&str>) -> Result<Option<&str>> {
    let Some(text) = text else { return Ok(None) };
    let date = text.get(..10).unwrap_or(text);
    crate::model::PartialDate::parse(date)
        .ok()
        .filter(|_| date.len() == 10)
        .map(|_| Some(text))
        .ok_or_else(|| {
            coded(
                Code::BadUserInput,
                format!("`since` must be an ISO 8601 date or time (e.g. 2026-11-26 or 2026-11-26T12:00:00Z), not `{text}`"),
            )
        })
}

/// The `changes` root field.
pub async fn changes(
    ctx: &Context<'_>,
    since_text: Option<String>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<ChangeConnection> {
    let first = page(ctx, first, 20)?;
    let since = since(since_text.as_deref())?;
    let after_seq = match after {
        None => None,
        Some(cursor) => Some(
            OpaqueCursor::<i64>::decode_cursor(&cursor)
                .map_err(|_| coded(Code::BadUserInput, "`after` is not a cursor from this list"))?
                .0,
        ),
    };
    let pool = pool(ctx)?;
    let filter = LogFilter {
        since,
        after_seq,
        entity: None,
    };
    let (entries, more) = changes::read_log(pool, &filter, first)
        .await
        .map_err(internal)?;
    // Counting reads the whole log (0.4 s at 1m edges): only when the total is asked for.
    let total = if ctx.look_ahead().field("totalCount").exists() {
        changes::count_log(
            pool,
            &LogFilter {
                after_seq: None,
                ..filter
            },
        )
        .await
        .map_err(internal)?
    } else {
        0
    };
    let mut connection = Connection::with_additional_fields(
        after_seq.is_some(),
        more,
        ChangeTotals { total_count: total },
    );
    connection.edges.extend(
        entries
            .into_iter()
            .map(|e| ConnectionEdge::new(OpaqueCursor(e.seq), Change::from(e))),
    );
    Ok(connection)
}

/// The `history` field of a node: its own change-log entries, oldest first.
pub async fn history(ctx: &Context<'_>, entity: &str, first: Option<i32>) -> Result<Vec<Change>> {
    let first = page(ctx, first, 50)?;
    let filter = LogFilter {
        entity: Some(entity),
        ..LogFilter::default()
    };
    let (entries, _) = changes::read_log(pool(ctx)?, &filter, first)
        .await
        .map_err(internal)?;
    Ok(entries.into_iter().map(Change::from).collect())
}
