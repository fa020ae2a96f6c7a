//! Carrying change events between replicas through PostgreSQL `NOTIFY` / `LISTEN`.
//!
//! Writes send their events themselves: a trigger on each table calls `pg_notify` in the
//! writing statement's transaction (migration `m0004_change_notifications`, which defines the
//! payload [`Notice`] decodes). What runs here, one background task per process:
//!
//! - the **listener** holds one connection of its own (a separate one-connection pool with
//!   `application_name` [`APPLICATION_NAME`], so it never takes a connection from requests;
//!   to `DATABASE_LISTEN_URL` when the pool goes through a pooler) that has run `LISTEN` on
//!   [`CHANNEL`], and broadcasts each notification to the local
//!   subscribers, reading the row back first when it did not fit in the payload.

use std::time::Duration;

use sea_orm::sqlx::postgres::{
    PgConnectOptions, PgListener, PgNotification, PgPool, PgPoolOptions,
};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::db::Db;
use service::Principal;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::wire::Notice;
use super::{Change, CustomerEvent, Events, Hub, TodoEvent};

/// The notification channel the tables' triggers send on (defined with them, in the
/// migration). `NOTIFY` is scoped to one database, so services on different databases of
/// the same server do not hear each other.
pub const CHANNEL: &str = migration::CHANGE_CHANNEL;

/// The `application_name` of the listener's connection, so that operators (and the tests)
/// can tell it apart in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "customers-todos events listener";

/// How long [`EventRelay::stop`] waits for the listener to end and its connection to close.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// First and longest pause between attempts to get the listener's connection back.
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// What can go wrong while relaying events; only [`EventsError::Listen`] reaches a caller
/// (from [`start`]), the others are logged by the task they happen in.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The listener could not connect or run `LISTEN`.
    #[error("cannot listen for change events: {0}")]
    Listen(#[source] sea_orm::sqlx::Error),
    /// Receiving a notification failed (connection lost and not yet re-established).
    #[error("cannot receive change events: {0}")]
    Receive(#[source] sea_orm::sqlx::Error),
    /// An event could not be turned into JSON, or a payload was not an event.
    #[error("malformed change event: {0}")]
    Payload(#[source] serde_json::Error),
    /// The row of an event too large for a notification could not be read back.
    #[error("cannot read back the row of a change event: {0}")]
    ReadBack(#[source] service::Error),
}

/// The background tasks that carry events through PostgreSQL; stop them with
/// [`EventRelay::stop`] (dropping the relay stops them too, without waiting).
///
/// # Why every event takes the round trip, even to the replica that wrote it
///
/// A replica does not deliver its own events directly: its subscribers get them from its
/// listener like everybody else's. PostgreSQL hands notifications to every listener in one
/// order (the commit order of the `pg_notify` calls), so subscribers on every replica see
/// the same sequence of events, and each exactly once. Delivering local events at once and
/// skipping their echo (tagged with an instance id) would let each replica interleave its
/// own events with the others' differently: a subscriber could see its replica's later
/// update of a row before another replica's earlier one, and end up believing the older
/// state. The cost is one database round trip of latency for local subscribers, and that
/// while the listener reconnects, local subscribers miss events just as remote ones do.
#[derive(Debug, Default)]
pub struct EventRelay {
    stop: Option<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
    listener_pool: Option<PgPool>,
}

/// Sets up event delivery for `db`: on PostgreSQL, connects the listener to `listen_url`
/// (the same server and database as `db`, but a direct connection: `LISTEN` is session
/// state, which a transaction-mode pooler does not keep) and runs `LISTEN` before returning
/// (so no event published afterwards is missed), then starts the publisher and listener
/// tasks; on SQLite, in-process delivery and an empty relay.
pub async fn start(db: &Db, listen_url: &str) -> Result<(Events, EventRelay), EventsError> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok((Events::default(), EventRelay::default()));
    }
    let pool = db.connection().get_postgres_connection_pool().clone();
    let connect_options = listen_url
        .parse::<PgConnectOptions>()
        .map_err(EventsError::Listen)?
        .application_name(APPLICATION_NAME);
    let listener_pool: PgPool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(pool.options().get_acquire_timeout())
        .max_lifetime(None)
        .idle_timeout(None)
        .connect_lazy_with(connect_options);
    let listener = connect_listener(&listener_pool).await?;

    let hub = Hub::new();
    let (stop, stopped) = watch::channel(false);
    let tasks = vec![tokio::spawn(listen(
        listener,
        listener_pool.clone(),
        db.clone(),
        hub.clone(),
        stopped,
    ))];
    tracing::debug!(
        channel = CHANNEL,
        "relaying change events through PostgreSQL"
    );
    Ok((
        Events::replicated(hub),
        EventRelay {
            stop: Some(stop),
            tasks,
            listener_pool: Some(listener_pool),
        },
    ))
}

impl EventRelay {
    /// Stops listening and closes the listener's connection; bounded, so that it never
    /// holds up a graceful stop. (There is nothing to send: writes notify in their own
    /// transactions.)
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        let tasks = std::mem::take(&mut self.tasks);
        let aborts: Vec<_> = tasks.iter().map(JoinHandle::abort_handle).collect();
        if tokio::time::timeout(STOP_TIMEOUT, futures::future::join_all(tasks))
            .await
            .is_err()
        {
            tracing::warn!("the change-event relay did not stop in time; abandoning it");
            aborts.iter().for_each(tokio::task::AbortHandle::abort);
        }
        if let Some(pool) = self.listener_pool.take()
            && tokio::time::timeout(STOP_TIMEOUT, pool.close())
                .await
                .is_err()
        {
            tracing::warn!("the change-event listener's connection did not close in time");
        }
    }
}

/// Resolves once a stop is asked for, or the relay is dropped.
async fn stop_requested(stopped: &mut watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Connects a listener on `pool` and runs `LISTEN`.
async fn connect_listener(pool: &PgPool) -> Result<PgListener, EventsError> {
    let mut listener = PgListener::connect_with(pool)
        .await
        .map_err(EventsError::Listen)?;
    listener
        .listen(CHANNEL)
        .await
        .map_err(EventsError::Listen)?;
    Ok(listener)
}

/// The listener task: broadcasts every notification until stopped, getting its connection
/// back (and `LISTEN`ing again) whenever it is lost.
///
/// A lost connection normally shows as `try_recv` answering `None` after it has reconnected
/// by itself. Any error instead (the reconnection failed, or the connection broke in a way
/// `try_recv` does not recognise) drops the listener and builds a new one, with a growing
/// pause between attempts while the database is away. Rows too large for a notification are
/// read back in line, so delivery keeps the order of the notifications.
async fn listen(
    listener: PgListener,
    pool: PgPool,
    db: Db,
    hub: Hub,
    mut stopped: watch::Receiver<bool>,
) {
    let mut listener = Some(listener);
    let mut retry = RETRY_MIN;
    loop {
        let Some(active) = listener.as_mut() else {
            let connected = tokio::select! {
                biased;
                () = stop_requested(&mut stopped) => break,
                connected = connect_listener(&pool) => connected,
            };
            match connected {
                Ok(connected) => {
                    tracing::info!("the change-event listener is listening again");
                    listener = Some(connected);
                    retry = RETRY_MIN;
                }
                Err(error) => {
                    tracing::warn!(%error, retry_ms = retry.as_millis(), "retrying");
                    tokio::select! {
                        biased;
                        () = stop_requested(&mut stopped) => break,
                        () = tokio::time::sleep(retry) => {}
                    }
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
            continue;
        };
        let received = tokio::select! {
            biased;
            () = stop_requested(&mut stopped) => break,
            received = active.try_recv() => received,
        };
        match received {
            Ok(Some(notification)) => {
                if let Some(change) = receive(&db, &notification).await {
                    hub.deliver(change);
                }
            }
            // `try_recv` has already reconnected and run LISTEN again.
            Ok(None) => tracing::warn!(
                "the change-event listener lost its database connection and got a new one; \
                 events sent in between were not delivered"
            ),
            Err(error) => {
                let error = EventsError::Receive(error);
                tracing::warn!(
                    %error,
                    "the change-event listener lost its database connection; reconnecting \
                     (events sent in between are not delivered)"
                );
                // Returns the connection to the pool, which tests it before handing it out
                // again.
                listener = None;
            }
        }
    }
    tracing::debug!("the change-event listener stopped");
}

/// Turns a notification into the event to deliver, reading the row back if it was left out.
/// A row that cannot be read back is delivered as `None` (and logged): subscribers still
/// learn that the row changed and can query it.
async fn receive(db: &Db, notification: &PgNotification) -> Option<Change> {
    let notice = match Notice::decode(notification.payload()) {
        Ok(notice) => notice,
        Err(error) => {
            let error = EventsError::Payload(error);
            tracing::warn!(%error, "a notification that is not a change event was skipped");
            return None;
        }
    };
    let needs_row = notice.needs_row();
    let mut change = notice.into_change();
    if needs_row {
        // The current row: the one the event was about, or a later state of it (whose own
        // event follows). Absent if it has been deleted since. Read as the service itself
        // (admin): which subscribers may see it is decided when it is delivered.
        match &mut change {
            Change::Customer(CustomerEvent {
                customer_id,
                customer,
                ..
            }) => {
                *customer =
                    read_back(service::customer::find(db, Principal::Admin, *customer_id).await);
            }
            Change::Todo(TodoEvent { todo_id, todo, .. }) => {
                *todo = read_back(service::todo::find(db, Principal::Admin, *todo_id).await);
            }
        }
    }
    Some(change)
}

/// The row read back for an event, or `None` (logged) if the database failed.
fn read_back<T>(found: service::Result<Option<T>>) -> Option<T> {
    found.unwrap_or_else(|error| {
        let error = EventsError::ReadBack(error);
        tracing::warn!(%error, "a change event is delivered without its row");
        None
    })
}
