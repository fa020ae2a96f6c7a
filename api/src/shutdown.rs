//! What a graceful stop tells the long-lived parts of the service (SPEC 4.2): HTTP requests
//! are drained by the server itself, but WebSocket connections outlive their upgrade
//! request, so they watch [`Shutdown::signalled`], close with 1001 (going away), and are
//! tracked so that the stop can wait for their close frames to leave.

use std::future::Future;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TrackedFuture;

/// The stop signal and the sockets that must hear it; cloning shares both.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    token: CancellationToken,
    sockets: TaskTracker,
}

impl Shutdown {
    /// Runs a WebSocket connection's future as one the stop waits for.
    pub fn track<F: Future>(&self, socket: F) -> TrackedFuture<F> {
        self.sockets.track_future(socket)
    }

    /// Completes once the stop has begun.
    pub async fn signalled(&self) {
        self.token.cancelled().await;
    }

    /// Begins the stop: every socket is told to close.
    pub fn begin(&self) {
        self.token.cancel();
    }

    /// Waits until every tracked socket has closed.
    pub async fn sockets_closed(&self) {
        self.sockets.close();
        self.sockets.wait().await;
    }

    /// How many sockets are open (for logs).
    pub fn open_sockets(&self) -> usize {
        self.sockets.len()
    }
}
