//! Graph work for a request: run off the async workers (so `/healthz` and cheap queries always
//! answer), at most one job per core at a time, and within the request's [`Budget`] — shared by
//! every field of the request and ended by its deadline, so work stops when the answer would
//! come too late, not only the response.

use std::sync::{Arc, LazyLock};

use async_graphql::{Context, Result};
use tokio::sync::Semaphore;

use super::errors::{Code, coded, internal};
use crate::graph::Graph;
use crate::graph::budget::{Budget, Exhausted};

/// Jobs running at once: one per core; the rest wait (within their deadline).
static CORES: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    Semaphore::new(cores)
});

/// The budget of the request `ctx` belongs to (set before execution, see `limits`).
fn budget(ctx: &Context<'_>) -> Result<Arc<Budget>> {
    ctx.data::<Arc<Budget>>()
        .cloned()
        .map_err(|e| internal(e.message))
}

/// When the request's work must stop, if ever.
pub fn deadline(ctx: &Context<'_>) -> Result<Option<std::time::Instant>> {
    Ok(budget(ctx)?.deadline())
}

/// The coded error for a request whose budget ran out.
pub fn exhausted(why: Exhausted) -> async_graphql::Error {
    match why {
        Exhausted::Work => coded(
            Code::LimitExceeded,
            "the request visits more of the graph than one request may; ask for less \
             (a smaller depth, fewer aliases, or a narrower `via`)",
        ),
        Exhausted::Deadline => coded(
            Code::LimitExceeded,
            "the request ran past its time limit; its work was stopped",
        ),
    }
}

/// Runs `job` on the blocking pool once a core is free, with the request's budget.
pub async fn run<T, F>(ctx: &Context<'_>, job: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Budget) -> Result<T, Exhausted> + Send + 'static,
{
    let budget = budget(ctx)?;
    let permit = match budget.deadline() {
        Some(deadline) => tokio::time::timeout_at(deadline.into(), CORES.acquire())
            .await
            .map_err(|_| exhausted(Exhausted::Deadline))?,
        None => CORES.acquire().await,
    }
    .map_err(internal)?;
    let done = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job(&budget)
    })
    .await
    .map_err(internal)?;
    done.map_err(exhausted)
}

/// Runs `job`, which reads every node and edge of `graph` once, after charging the graph's
/// size to the budget.
pub async fn run_whole<T, F>(ctx: &Context<'_>, graph: &Arc<Graph>, job: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Budget) -> Result<T, Exhausted> + Send + 'static,
{
    let size = (graph.node_count() + graph.edge_count()) as u64;
    run(ctx, move |budget| {
        budget.spend(size)?;
        job(budget)
    })
    .await
}
