//! Change events: every successful write, from REST or GraphQL, announced as it commits.
//!
//! Subscribers read in-process broadcast channels: a slow subscriber lags and skips events
//! instead of blocking writers or other subscribers. How a published event reaches those
//! channels depends on the database:
//!
//! - **SQLite** (one process owns the file): events go straight to the local channels once
//!   the write has committed ([`Events::publish`]).
//! - **PostgreSQL** (possibly several replicas on one database): a trigger on each table
//!   appends the event to a change log from the writing statement itself (migration
//!   `m0005_change_log`), and every replica's reader (started by [`start`]) reads the log
//!   in one order all replicas share and turns its rows into local broadcasts, its own
//!   writes' included; `NOTIFY` on [`CHANNEL`] tells readers when to look. See
//!   [`EventRelay`] for why even local events take the round trip. The triggers log only
//!   while some replica has subscribers (migration `m0006_change_listeners`), so a
//!   subscription starts once its replica is registered as a listener.

mod log;
mod presence;
mod relay;
mod wire;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures::Stream;
use service::customer::Customer;
use service::todo::Todo;
use tokio::sync::broadcast;
use tokio::sync::broadcast::error::RecvError;

use presence::{Presence, Watch};
use relay::Wakeups;
pub use relay::{
    APPLICATION_NAME, CHANNEL, EventRelay, EventsError, RelayOptions, start, start_with,
};

/// How many events a subscriber may fall behind before it starts skipping.
const CHANNEL_CAPACITY: usize = 1024;

/// What happened to a row.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeKind {
    /// The row was inserted.
    Created,
    /// The row was changed.
    Updated,
    /// The row was deleted.
    Deleted,
}

/// A customer changed; `customer` is the new state, `None` once deleted.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerEvent {
    /// What happened.
    pub kind: ChangeKind,
    /// Which customer.
    pub customer_id: i32,
    /// The row after the change.
    pub customer: Option<Customer>,
}

/// A todo changed; `todo` is the new state, `None` once deleted.
#[derive(Clone, Debug, PartialEq)]
pub struct TodoEvent {
    /// What happened.
    pub kind: ChangeKind,
    /// Which todo.
    pub todo_id: i32,
    /// The customer the todo belonged to after the change (before it, for a delete).
    pub customer_id: Option<i32>,
    /// The row after the change.
    pub todo: Option<Todo>,
}

/// One event of either kind, as it travels from a writer to the subscribers.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Change {
    /// A customer changed.
    Customer(CustomerEvent),
    /// A todo changed.
    Todo(TodoEvent),
}

/// What happened to this process's events so far, counted where it happens (for the
/// `change_events_*` metrics).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    published: AtomicU64,
    dropped: AtomicU64,
}

impl Tally {
    /// An event left for its subscribers (in-process, or in the change log).
    pub(crate) fn published(&self) {
        self.published.fetch_add(1, Ordering::Relaxed);
    }

    /// `count` events that some subscriber will never get.
    pub(crate) fn dropped(&self, count: u64) {
        self.dropped.fetch_add(count, Ordering::Relaxed);
    }
}

/// A snapshot of this process's subscriptions and change events, for `/metrics`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventCounts {
    /// Open subscriptions (customer and todo changes).
    pub subscriptions: usize,
    /// Events published after a write committed: delivered in-process (SQLite) or logged
    /// by the write's own transaction (PostgreSQL, while some replica listens; counted
    /// either way).
    pub published: u64,
    /// Events lost: skipped by a subscriber too slow to keep up (one per subscriber and
    /// event).
    pub dropped: u64,
}

/// The local broadcast channels that subscriptions read.
#[derive(Clone, Debug)]
pub(crate) struct Hub {
    customers: broadcast::Sender<CustomerEvent>,
    todos: broadcast::Sender<TodoEvent>,
    tally: Arc<Tally>,
}

impl Hub {
    fn new() -> Self {
        Self {
            customers: broadcast::channel(CHANNEL_CAPACITY).0,
            todos: broadcast::channel(CHANNEL_CAPACITY).0,
            tally: Arc::default(),
        }
    }

    /// How many receivers (subscriptions, and tests' raw receivers) are open.
    pub(crate) fn receivers(&self) -> usize {
        self.customers.receiver_count() + self.todos.receiver_count()
    }

    /// The counts shared with the relay's tasks.
    pub(crate) fn tally(&self) -> Arc<Tally> {
        Arc::clone(&self.tally)
    }

    /// Hands the event to every current subscriber without waiting for any of them;
    /// having no subscribers is normal.
    pub(crate) fn deliver(&self, change: Change) {
        match change {
            Change::Customer(event) => {
                let _ = self.customers.send(event);
            }
            Change::Todo(event) => {
                let _ = self.todos.send(event);
            }
        }
    }
}

/// The publishing side, shared by every handler and by the subscriptions.
#[derive(Clone, Debug)]
pub struct Events {
    hub: Hub,
    /// On PostgreSQL, what tells the relay's tasks that a write has committed: the tables'
    /// triggers log the events and the relay's reader delivers them. Without it (SQLite)
    /// they go straight to [`Events::hub`].
    wakeups: Option<Arc<Wakeups>>,
    /// On PostgreSQL, what a subscription waits for before it starts: this replica's row in
    /// `change_listeners`, without which writes log nothing.
    presence: Option<Arc<Presence>>,
}

impl Default for Events {
    /// In-process delivery only: what SQLite, the schema printer and single-process tests
    /// need.
    fn default() -> Self {
        Self {
            hub: Hub::new(),
            wakeups: None,
            presence: None,
        }
    }
}

impl Change {
    /// A customer write's event; a deleted customer's carries no row.
    pub(crate) fn customer(kind: ChangeKind, customer: &Customer) -> Self {
        Change::Customer(CustomerEvent {
            kind,
            customer_id: customer.customer_id,
            customer: (kind != ChangeKind::Deleted).then(|| customer.clone()),
        })
    }

    /// A todo write's event (`todo` is the row after the change, or the deleted row).
    pub(crate) fn todo(kind: ChangeKind, todo: &Todo) -> Self {
        Change::Todo(TodoEvent {
            kind,
            todo_id: todo.id,
            customer_id: todo.customer_id,
            todo: (kind != ChangeKind::Deleted).then(|| todo.clone()),
        })
    }
}

impl Events {
    /// Events that travel through PostgreSQL: the relay's reader delivers to `hub`, is
    /// woken through `wakeups` and keeps this replica's row as `presence` asks.
    fn replicated(hub: Hub, wakeups: Arc<Wakeups>, presence: Arc<Presence>) -> Self {
        Self {
            hub,
            wakeups: Some(wakeups),
            presence: Some(presence),
        }
    }

    /// Whether events go through PostgreSQL (the change log) rather than straight to the
    /// local subscribers; for logs and tests.
    pub fn is_replicated(&self) -> bool {
        self.wakeups.is_some()
    }

    /// Publishes a committed write's `changes`: on SQLite they go to the local subscribers
    /// now; on PostgreSQL the tables' triggers have already logged them in the write's
    /// transaction (so never for a write that rolled back), and this wakes the relay to
    /// read the log and deliver them, on this replica and the others. Either way each
    /// counts as published here, by the replica that wrote it.
    pub(crate) fn publish(&self, changes: Vec<Change>) {
        if changes.is_empty() {
            return;
        }
        for change in changes {
            if self.wakeups.is_none() {
                self.hub.deliver(change);
            }
            self.hub.tally.published();
        }
        if let Some(wakeups) = &self.wakeups {
            wakeups.committed();
        }
    }

    /// A new subscription to customer changes: every later event, in order; a subscriber
    /// that falls more than the channel's capacity behind skips what it missed (counted as
    /// dropped). On PostgreSQL it starts once this replica listens (at once if it already
    /// does; [`EventsError::NotListening`] if the database does not take its row in time),
    /// and ends with [`EventsError::Lapsed`] if the replica stops listening under it.
    pub async fn customer_changes(
        &self,
    ) -> Result<impl Stream<Item = Result<CustomerEvent, EventsError>> + Send + 'static, EventsError>
    {
        let (receiver, watch) = self.started(|hub| hub.customers.subscribe()).await?;
        Ok(skipping(receiver, self.hub.tally(), watch))
    }

    /// A new subscription to todo changes; see [`Events::customer_changes`].
    pub async fn todo_changes(
        &self,
    ) -> Result<impl Stream<Item = Result<TodoEvent, EventsError>> + Send + 'static, EventsError>
    {
        let (receiver, watch) = self.started(|hub| hub.todos.subscribe()).await?;
        Ok(skipping(receiver, self.hub.tally(), watch))
    }

    /// A raw receiver of customer changes, started as a subscription is, for tests that
    /// watch what is published.
    pub async fn subscribe_customers(
        &self,
    ) -> Result<broadcast::Receiver<CustomerEvent>, EventsError> {
        Ok(self.started(|hub| hub.customers.subscribe()).await?.0)
    }

    /// A raw receiver of todo changes; see [`Events::subscribe_customers`].
    pub async fn subscribe_todos(&self) -> Result<broadcast::Receiver<TodoEvent>, EventsError> {
        Ok(self.started(|hub| hub.todos.subscribe()).await?.0)
    }

    /// Creates a receiver with `subscribe` once every later write's event is sure to reach
    /// it: at once on SQLite; on PostgreSQL once this replica's listener row is live (the
    /// row is kept until the receiver exists).
    async fn started<R>(
        &self,
        subscribe: impl FnOnce(&Hub) -> R,
    ) -> Result<(R, Option<Watch>), EventsError> {
        let Some(presence) = &self.presence else {
            return Ok((subscribe(&self.hub), None));
        };
        let ticket = presence.wait().await?;
        let receiver = subscribe(&self.hub);
        drop(ticket.hold);
        Ok((receiver, Some(ticket.watch)))
    }

    /// This process's subscriptions and change events so far.
    pub fn counts(&self) -> EventCounts {
        EventCounts {
            subscriptions: self.hub.receivers(),
            published: self.hub.tally.published.load(Ordering::Relaxed),
            dropped: self.hub.tally.dropped.load(Ordering::Relaxed),
        }
    }

    /// How many subscriptions to customer changes are open in this process: once a
    /// subscription is counted, every later event reaches it (a readiness check for tests,
    /// and a gauge for operators).
    pub fn customer_subscribers(&self) -> usize {
        self.hub.customers.receiver_count()
    }

    /// How many subscriptions to todo changes are open in this process; see
    /// [`Events::customer_subscribers`].
    pub fn todo_subscribers(&self) -> usize {
        self.hub.todos.receiver_count()
    }
}

/// A broadcast receiver as a stream that skips, and counts, what a slow subscriber missed,
/// and that ends with [`EventsError::Lapsed`] once `watch` says events may have been missed.
fn skipping<T: Clone + Send + 'static>(
    receiver: broadcast::Receiver<T>,
    tally: Arc<Tally>,
    watch: Option<Watch>,
) -> impl Stream<Item = Result<T, EventsError>> + Send + 'static {
    futures::stream::unfold(Some((receiver, tally, watch)), |state| async move {
        let (mut receiver, tally, mut watch) = state?;
        loop {
            let received = match watch.as_mut() {
                // A lapse first: once the replica listens again, new events would arrive
                // after a gap.
                Some(watch) => tokio::select! {
                    biased;
                    () = watch.lapsed() => None,
                    received = receiver.recv() => Some(received),
                },
                None => Some(receiver.recv().await),
            };
            match received {
                None => return Some((Err(EventsError::Lapsed), None)),
                Some(Ok(event)) => return Some((Ok(event), Some((receiver, tally, watch)))),
                Some(Err(RecvError::Lagged(skipped))) => {
                    tally.dropped(skipped);
                    tracing::warn!(skipped, "a slow subscriber skipped change events");
                }
                Some(Err(RecvError::Closed)) => return None,
            }
        }
    })
}
