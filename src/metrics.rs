//! What `/metrics` reports, in the Prometheus text format (the `metrics` facade with its
//! Prometheus exporter): requests by route and outcome with their latency, GraphQL operations
//! by name and outcome, writes by outcome with their latency, requests in flight, and at each
//! scrape the snapshot's size, the change-log position, subscribers and store connections.
//!
//! Label values that clients choose (operation names) are bounded: at most [`MAX_OPERATIONS`]
//! distinct names of up to 64 word characters are reported as themselves, anything else as
//! `other`, so a client cannot grow the scrape without bound.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Distinct operation names reported by name.
pub const MAX_OPERATIONS: usize = 200;

/// Upper bounds of the latency buckets, in seconds: from a cached read to a request timeout.
const BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (one per process: every server of a test
/// binary shares it). `None` when another recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().set_buckets(BUCKETS).ok()?;
            match recorder.install_recorder() {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "metrics are not recorded");
                    None
                }
            }
        })
        .as_ref()
}

/// The route label of a request path: the router's routes, else `other`.
pub fn route(path: &str) -> &'static str {
    match path {
        "/graphql" => "/graphql",
        "/graphql/ws" => "/graphql/ws",
        "/healthz" => "/healthz",
        "/readyz" => "/readyz",
        "/metrics" => "/metrics",
        "/favicon.ico" => "/favicon.ico",
        "/bench/implementers" => "/bench/implementers",
        p if p.starts_with("/graphiql/") => "/graphiql/{asset}",
        _ => "other",
    }
}

/// Records one answered HTTP request.
pub fn request(route: &'static str, status: u16, took: Duration) {
    let class = match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!("policygraph_http_requests_total", "route" => route, "status" => class)
        .increment(1);
    metrics::histogram!("policygraph_http_request_duration_seconds", "route" => route)
        .record(took.as_secs_f64());
}

/// Tracks a request in flight until the guard is dropped.
pub struct InFlight;

impl InFlight {
    /// Counts one more request in flight.
    pub fn start() -> InFlight {
        metrics::gauge!("policygraph_http_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("policygraph_http_requests_in_flight").decrement(1.0);
    }
}

static OPERATIONS: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// The label for a client-chosen operation name (see the module documentation).
fn operation_label(name: Option<&str>) -> String {
    let Some(name) = name else {
        return "anonymous".to_owned();
    };
    let plain = name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !plain {
        return "other".to_owned();
    }
    let Ok(mut known) = OPERATIONS.lock() else {
        return "other".to_owned();
    };
    let known = known.get_or_insert_with(HashSet::new);
    if known.contains(name) || known.len() < MAX_OPERATIONS {
        known.insert(name.to_owned());
        name.to_owned()
    } else {
        "other".to_owned()
    }
}

/// Records one executed GraphQL operation; `outcome` is `ok` or its first error's code.
pub fn operation(name: Option<&str>, outcome: &str) {
    metrics::counter!(
        "policygraph_graphql_operations_total",
        "operation" => operation_label(name),
        "outcome" => outcome.to_owned()
    )
    .increment(1);
}

/// Records one write: `applied`, `unchanged`, `rejected` or `failed`.
pub fn write(outcome: &'static str, took: Duration) {
    metrics::counter!("policygraph_writes_total", "outcome" => outcome).increment(1);
    metrics::histogram!("policygraph_write_duration_seconds").record(took.as_secs_f64());
}

/// What is read at scrape time rather than counted.
#[derive(Clone, Copy, Debug, Default)]
pub struct Gauges {
    /// Nodes in the served snapshot.
    pub nodes: usize,
    /// Edges in the served snapshot.
    pub edges: usize,
    /// The change-log position the snapshot reflects.
    pub log_position: i64,
    /// Open `graphChanged` subscriptions.
    pub subscribers: usize,
    /// Store connections in use, and idle.
    pub connections_in_use: usize,
    /// Idle store connections.
    pub connections_idle: usize,
}

/// The scrape: `gauges` set, then everything recorded, in the Prometheus text format.
pub fn render(gauges: Gauges) -> String {
    metrics::gauge!("policygraph_snapshot_nodes").set(gauges.nodes as f64);
    metrics::gauge!("policygraph_snapshot_edges").set(gauges.edges as f64);
    metrics::gauge!("policygraph_change_log_position").set(gauges.log_position as f64);
    metrics::gauge!("policygraph_subscribers").set(gauges.subscribers as f64);
    metrics::gauge!("policygraph_store_connections", "state" => "in_use")
        .set(gauges.connections_in_use as f64);
    metrics::gauge!("policygraph_store_connections", "state" => "idle")
        .set(gauges.connections_idle as f64);
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_chosen_by_clients_are_bounded() {
        assert_eq!(operation_label(None), "anonymous");
        assert_eq!(operation_label(Some("Implementers")), "Implementers");
        assert_eq!(operation_label(Some("drop table; --")), "other");
        assert_eq!(operation_label(Some(&"x".repeat(65))), "other");
        for i in 0..MAX_OPERATIONS + 10 {
            operation_label(Some(&format!("op{i}")));
        }
        assert_eq!(operation_label(Some("one_too_many")), "other");
        assert_eq!(operation_label(Some("Implementers")), "Implementers");
    }
}
