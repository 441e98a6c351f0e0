//! Going away cleanly: when the server stops, every open WebSocket is told so with a close
//! frame 1001 ("going away") before the process exits. Upgraded sockets are no longer HTTP
//! connections, so the listener's graceful shutdown does not see them; they watch this signal
//! instead, and the server waits (briefly) for them to close.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;

/// The stop signal of one server and the count of its open sockets; clones share both.
#[derive(Clone, Debug)]
pub struct Shutdown {
    stop: Arc<watch::Sender<bool>>,
    open: Arc<AtomicUsize>,
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown {
            stop: Arc::new(watch::channel(false).0),
            open: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Counts one open socket until dropped.
#[derive(Debug)]
pub struct Open(Arc<AtomicUsize>);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Shutdown {
    /// Tells every socket to close.
    pub fn trigger(&self) {
        self.stop.send_replace(true);
    }

    /// Resolves once the server is stopping (at once if it already is).
    pub fn stopping(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut stop = self.stop.subscribe();
        async move {
            let _ = stop.wait_for(|&stopping| stopping).await;
        }
    }

    /// Marks a socket open for as long as the returned guard lives.
    pub fn open(&self) -> Open {
        self.open.fetch_add(1, Ordering::AcqRel);
        Open(self.open.clone())
    }

    /// Waits until every socket has closed, or `limit` has passed.
    pub async fn drained(&self, limit: Duration) {
        let started = tokio::time::Instant::now();
        while self.open.load(Ordering::Acquire) > 0 && started.elapsed() < limit {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
