//! The listener: HTTP/1.1 connections with a cap on how many are open at once and a time
//! limit on sending request headers (which also ends idle keep-alive connections), so slow or
//! half-open clients cannot use up the process's file descriptors; graceful shutdown on
//! Ctrl-C or SIGTERM.
//!
//! At the cap a new connection is not turned away while an idle one (no request in flight:
//! half-open, or between keep-alive requests) is open: the oldest idle connection is closed
//! to make room. So clients that never finish their headers cannot lock others out; only
//! connections that are all busy at once fill the server.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tower::ServiceExt;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// How the listener treats connections.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    /// Most connections open at once; past it the oldest idle one is closed for a new one,
    /// and a new one is refused only when all are busy.
    pub max_connections: usize,
    /// Time a client has to send a request's headers, counted from when the server starts
    /// waiting for them (so also the longest idle time between keep-alive requests).
    pub header_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves `app` on `listener` until SIGINT, SIGTERM or `shutdown` is triggered, then lets
/// in-flight requests finish and tells open WebSockets (watching `shutdown`) that the server
/// is going away, waiting up to two seconds for them to close.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: super::Shutdown,
) {
    // Stops on Ctrl-C or SIGTERM, and when the server itself decides to stop (a failed
    // start-up integrity check).
    let stop = {
        let shutdown = shutdown.clone();
        async move {
            tokio::select! {
                () = super::shutdown_signal() => shutdown.trigger(),
                () = shutdown.stopping() => {}
            }
        }
    };
    serve_until(listener, app, limits, stop).await;
    shutdown.drained(Duration::from_secs(2)).await;
}

/// The open connections, oldest first: how many requests each has in flight, and how to
/// close it.
#[derive(Default)]
struct Open {
    next: u64,
    connections: BTreeMap<u64, (Arc<AtomicUsize>, oneshot::Sender<()>)>,
}

impl Open {
    /// Closes the oldest connection with no request in flight; false when all are busy.
    fn evict_idle(&mut self) -> bool {
        let idle = self
            .connections
            .iter()
            .find(|(_, (busy, _))| busy.load(Ordering::Relaxed) == 0)
            .map(|(&id, _)| id);
        match idle.and_then(|id| self.connections.remove(&id)) {
            Some((_, close)) => {
                let _ = close.send(());
                true
            }
            None => false,
        }
    }
}

/// Serves `app` on `listener` until `stop` resolves, then lets in-flight requests finish.
pub async fn serve_until(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    stop: impl Future<Output = ()>,
) {
    let open = Arc::new(Mutex::new(Open::default()));
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, or a connection reset before it was accepted:
                // back off briefly instead of spinning.
                tracing::warn!(error = %e, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let busy = Arc::new(AtomicUsize::new(0));
        let (close, closed) = oneshot::channel::<()>();
        let id = {
            let Ok(mut open) = open.lock() else {
                continue;
            };
            if open.connections.len() >= limits.max_connections && !open.evict_idle() {
                tracing::debug!(%peer, max = limits.max_connections, "connection refused: all open ones are busy");
                drop(stream);
                continue;
            }
            open.next += 1;
            let id = open.next;
            open.connections.insert(id, (busy.clone(), close));
            id
        };
        let (starts, ends) = (busy.clone(), busy);
        let service = app
            .clone()
            .map_request(move |request| {
                starts.fetch_add(1, Ordering::Relaxed);
                request
            })
            .map_response(move |response| {
                ends.fetch_sub(1, Ordering::Relaxed);
                response
            });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let connection = graceful.watch(connection);
        let open = open.clone();
        tokio::spawn(async move {
            tokio::select! {
                ended = connection => {
                    if let Err(e) = ended {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                _ = closed => tracing::debug!(%peer, "idle connection closed to make room"),
            }
            if let Ok(mut open) = open.lock() {
                open.connections.remove(&id);
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
