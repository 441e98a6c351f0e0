//! `citationReport`: the findings `policygraph check` prints, computed on the served graph.

use std::sync::Arc;

use async_graphql::{ComplexObject, Context, Enum, ID, Object, Result, SimpleObject};

use super::window::Window;
use super::work;

use super::types::Node;
use crate::findings::Finding as Raw;
use crate::graph::Graph;
use crate::graph::report::{Findings, whole};
use crate::model::PartialDate;

/// How bad a finding is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "crate::corpus::diagnostic::Severity")]
pub enum Severity {
    /// Worth a look; CI passes unless run with `--deny warnings`.
    Warning,
    /// Fails `policygraph check`.
    Error,
}

/// All findings about the graph as it is served.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CitationReport {
    /// Number of error findings.
    errors: usize,
    /// Number of warning findings.
    warnings: usize,
    /// The date used to judge which time spans have ended.
    as_of: String,
    /// Every finding, errors first (served a window at a time by `findings`).
    #[graphql(skip)]
    all: Findings,
    #[graphql(skip)]
    graph: Arc<Graph>,
}

/// How many findings of one code.
#[derive(SimpleObject)]
pub struct FindingCount {
    /// The findings' code (`unverified-programme`, `cycle`, ...).
    code: String,
    /// Their severity.
    severity: Severity,
    /// How many.
    count: usize,
}

#[ComplexObject]
impl CitationReport {
    /// The findings counted by code, errors first, then by code: what a summary shows
    /// without fetching every finding (there were 516 238 at 10m edges). Counting reads every
    /// finding, charged to the request's work budget like a walk of the graph.
    async fn by_code(&self, ctx: &Context<'_>) -> Result<Vec<FindingCount>> {
        let all = self.all.clone();
        work::run(ctx, move |budget| {
            budget.spend(all.len() as u64)?;
            let mut counts: Vec<FindingCount> = Vec::new();
            for f in all.iter() {
                match counts.iter_mut().find(|c| c.code == f.code) {
                    Some(c) => c.count += 1,
                    None => counts.push(FindingCount {
                        code: f.code.to_owned(),
                        severity: f.severity.into(),
                        count: 1,
                    }),
                }
            }
            counts.sort_by_key(|c| (c.severity != Severity::Error, c.code.clone()));
            Ok(counts)
        })
        .await
    }

    /// The findings, errors first, then by subject and code.
    async fn findings(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only findings of this code (see `byCode`).")] code: Option<String>,
        #[graphql(
            desc = "At most this many items (at most the server's list cap, 10 000 by default). Without it, a list longer than the cap is refused with LIMIT_EXCEEDED."
        )]
        first: Option<i32>,
        #[graphql(
            desc = "Items to skip first, in the list's order (0 when omitted): with `first`, pages through a long list."
        )]
        offset: Option<i32>,
    ) -> Result<Vec<Finding>> {
        let window = Window::new(ctx, first, offset)?;
        let listed: Vec<usize> = match code {
            None => (0..self.all.len().min(window.enough())).collect(),
            // Finding one code's reads the findings before its window's end: charged to the
            // request's work budget, like `byCode`.
            Some(code) => {
                let (all, enough) = (self.all.clone(), window.enough());
                work::run(ctx, move |budget| {
                    let mut meter = budget.meter();
                    let mut listed = Vec::new();
                    for (i, f) in all.iter().enumerate() {
                        meter.tick()?;
                        if f.code == code {
                            listed.push(i);
                            if listed.len() == enough {
                                break;
                            }
                        }
                    }
                    meter.flush()?;
                    Ok(listed)
                })
                .await?
            }
        };
        Ok(window
            .apply(listed, "the report")?
            .into_iter()
            .map(|index| Finding {
                graph: self.graph.clone(),
                all: self.all.clone(),
                index,
            })
            .collect())
    }
}

/// One finding about a node or an edge.
pub struct Finding {
    graph: Arc<Graph>,
    all: Findings,
    index: usize,
}

impl Finding {
    fn raw(&self) -> &Raw {
        &self.all[self.index]
    }
}

#[Object]
impl Finding {
    /// Error or warning.
    async fn severity(&self) -> Severity {
        self.raw().severity.into()
    }

    /// Stable class: `unverified-programme`, `cycle`, `ambiguous-quote`, `unimplemented-goal`,
    /// `ended-without-successor`.
    async fn code(&self) -> &str {
        self.raw().code
    }

    /// Id of the node or edge (`<from>/<KIND>/<to>`) the finding is about.
    async fn subject_id(&self) -> ID {
        ID(self.raw().subject.clone())
    }

    /// The node the finding is about; null when it is about an edge.
    async fn subject(&self) -> Option<Node> {
        let ix = self.graph.lookup(&self.raw().subject)?;
        Some(Node::new(self.graph.clone(), ix))
    }

    /// What is wrong and how to fix it.
    async fn message(&self) -> &str {
        &self.raw().message
    }
}

/// The report on `graph` as of `today`: computed whole once per date, by the first request
/// that asks (in the request's work budget; the others wait for it), then kept with the
/// snapshot and carried into each next one a write derives from it (`graph::report`).
pub async fn report(
    ctx: &Context<'_>,
    graph: Arc<Graph>,
    today: PartialDate,
) -> Result<CitationReport> {
    let slot = graph.memo().report(today);
    let all = slot
        .get_or_try_init(|| async {
            let job = graph.clone();
            work::run_whole(ctx, &graph, move |_| Ok(Findings::from(whole(&job, today)))).await
        })
        .await?
        .clone();
    let errors = crate::graph::report::errors(&all);
    Ok(CitationReport {
        errors,
        warnings: all.len() - errors,
        as_of: today.to_string(),
        all,
        graph,
    })
}
