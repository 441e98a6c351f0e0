//! Request ids and what a server did lately. Every request gets an id (the client's
//! `x-request-id`, or one made here) that its log lines carry and its response returns;
//! request lines are logged at `debug`, and once a minute a summary line at `info`, so a busy
//! server's default log stays small.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes request ids: this process's start time and a counter, so ids are unique across
/// restarts and sort in arrival order.
#[derive(Clone)]
pub struct RequestIds {
    prefix: Arc<str>,
    next: Arc<AtomicU64>,
}

impl Default for RequestIds {
    fn default() -> Self {
        let started = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        RequestIds {
            prefix: Arc::from(format!("{started:x}-{:x}", std::process::id())),
            next: Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

/// Requests answered since the last summary, by outcome.
static SERVED: AtomicU64 = AtomicU64::new(0);
static CLIENT_ERRORS: AtomicU64 = AtomicU64::new(0);
static SERVER_ERRORS: AtomicU64 = AtomicU64::new(0);

/// Counts each answered request by its status class, for the summary line and `/metrics`.
pub async fn count(request: Request, next: Next) -> Response {
    let route = crate::metrics::route(request.uri().path());
    let started = std::time::Instant::now();
    let in_flight = crate::metrics::InFlight::start();
    let response = next.run(request).await;
    drop(in_flight);
    crate::metrics::request(route, response.status().as_u16(), started.elapsed());
    SERVED.fetch_add(1, Ordering::Relaxed);
    if response.status().is_client_error() {
        CLIENT_ERRORS.fetch_add(1, Ordering::Relaxed);
    } else if response.status().is_server_error() {
        SERVER_ERRORS.fetch_add(1, Ordering::Relaxed);
    }
    response
}

/// Logs, every `every`, how many requests were answered (and how many were 4xx and 5xx);
/// nothing when there were none.
pub fn spawn_summary(every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.tick().await;
        loop {
            tick.tick().await;
            let served = SERVED.swap(0, Ordering::Relaxed);
            let client = CLIENT_ERRORS.swap(0, Ordering::Relaxed);
            let server = SERVER_ERRORS.swap(0, Ordering::Relaxed);
            if served > 0 {
                tracing::info!(
                    requests = served,
                    client_errors = client,
                    server_errors = server,
                    seconds = every.as_secs(),
                    "requests answered"
                );
            }
        }
    });
}
