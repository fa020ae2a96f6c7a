//! Carrying change events between replicas: a log in PostgreSQL, read in one order by every
//! replica, and `NOTIFY` / `LISTEN` to say when to read it.
//!
//! Writes record their events themselves: a trigger on each table appends the event to the
//! change log in the writing statement's transaction (migration `m0005_change_log`; the
//! payload is what [`Notice`] decodes), so it is committed with the write or not at all.
//! What runs here, two background tasks per process:
//!
//! - the **reader** holds one connection of its own (a separate one-connection pool with
//!   `application_name` [`APPLICATION_NAME`], so it never takes a connection from requests;
//!   to `DATABASE_LISTEN_URL` when the pool goes through a pooler) that has run `LISTEN` on
//!   [`CHANNEL`]. Woken by a notification, by this process's own writes, or by its timer
//!   ([`RelayOptions::tick`], which also brings rows changed with plain SQL), it reads the log on from
//!   where it stands ([`super::log`]) and broadcasts each event to the local subscribers.
//!   Its position survives a lost connection, so events written meanwhile still arrive;
//!   it also prunes the log. It reads only while this replica has subscribers, and keeps
//!   meanwhile the replica's row in `change_listeners`, without which writes log nothing
//!   ([`super::presence`]);
//! - the **waker** sends one payload-less `NOTIFY` on [`CHANNEL`] through the pool after
//!   this process's writes commit (one for however many committed while the last was on
//!   its way), so other replicas read at once rather than at their next tick; none while no
//!   replica listens.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::sqlx::postgres::{
    PgConnectOptions, PgListener, PgNotification, PgPool, PgPoolOptions,
};
use sea_orm::{ConnectionTrait, DbBackend};

use crate::db::Db;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::log::{self, Position};
use super::presence::{self, Presence};
use super::wire::Notice;
use super::{Change, Events, Hub};

/// The channel replicas wake each other on after their writes commit (defined with the
/// change log, in the migration). `NOTIFY` is scoped to one database, so services on
/// different databases of the same server do not wake each other.
pub const CHANNEL: &str = migration::WAKE_CHANNEL;

/// The wake-up, naming [`CHANNEL`] literally (sqlx takes only `'static` SQL; a test checks
/// that they agree).
const NOTIFY: &str = "NOTIFY customers_todos_changes";

/// The `application_name` of the reader's connection, so that operators (and the tests)
/// can tell it apart in `pg_stat_activity` (and migration `m0006` can find replicas of older
/// versions listening).
pub const APPLICATION_NAME: &str = migration::LISTENER_APPLICATION_NAME;

/// How long [`EventRelay::stop`] waits for the tasks to end and the connection to close.
const STOP_TIMEOUT: Duration = Duration::from_secs(3);

/// First and longest pause between attempts to get the reader's connection back.
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(5);

/// How often the reader reads the log when nothing woke it: the longest a row changed
/// outside the service (or whose wake-up was lost) waits.
const TICK: Duration = Duration::from_millis(500);

/// The shortest time between two reads while writes keep waking the reader: events of the
/// writes committed meanwhile are read together, at a bounded cost to the database.
const READ_GAP: Duration = Duration::from_millis(2);

/// The shortest time between two wake-ups this process sends: the most it delays other
/// replicas' subscribers.
const WAKE_GAP: Duration = Duration::from_millis(5);

/// First and longest pause before looking again while committed rows are held back by an
/// older transaction.
const HELD_MIN: Duration = Duration::from_millis(2);
const HELD_MAX: Duration = Duration::from_millis(100);

/// How long rows may be held back before the reader says which transaction holds them.
const HELD_WARNING: Duration = Duration::from_secs(5);

/// How many rows one read takes at most.
const BATCH: i64 = 512;

/// How often the reader prunes the log; a row is deleted one interval after it became
/// readable at the earliest, so a reader that gets its connection back within that time
/// misses nothing.
const PRUNE_INTERVAL: Duration = Duration::from_secs(60);

/// How the relay paces itself. [`start`] uses the defaults (a read every 500 ms when
/// nothing wakes the reader, pruning every 60 s, a listener row live for 30 s and kept 5 s
/// after the last subscriber left); tests shorten them.
#[derive(Clone, Copy, Debug)]
pub struct RelayOptions {
    /// How often the reader reads the log when nothing woke it.
    pub tick: Duration,
    /// How often the reader prunes the log, and so how long a reader may be away without
    /// missing events (at least `listener_ttl` on every replica).
    pub prune_interval: Duration,
    /// How long this replica's row in `change_listeners` stays live after each refresh (it
    /// is refreshed six times as often); a replica that cannot refresh it in time ends its
    /// subscriptions.
    pub listener_ttl: Duration,
    /// How long the row stays after the last subscriber left.
    pub listener_linger: Duration,
}

impl Default for RelayOptions {
    fn default() -> Self {
        Self {
            tick: TICK,
            prune_interval: PRUNE_INTERVAL,
            listener_ttl: presence::TTL,
            listener_linger: presence::LINGER,
        }
    }
}

/// What can go wrong while relaying events; only [`EventsError::Listen`] reaches a caller
/// (from [`start`]), the others are logged by the task they happen in.
#[derive(Debug, thiserror::Error)]
pub enum EventsError {
    /// The reader could not connect, run `LISTEN` or find its starting place.
    #[error("cannot listen for change events: {0}")]
    Listen(#[source] sea_orm::sqlx::Error),
    /// Receiving a wake-up or reading the log failed (connection lost and not yet
    /// re-established).
    #[error("cannot receive change events: {0}")]
    Receive(#[source] sea_orm::sqlx::Error),
    /// A row of the log was not an event.
    #[error("malformed change event: {0}")]
    Payload(#[source] serde_json::Error),
    /// Sending a wake-up failed; the other replicas read at their next tick.
    #[error("cannot wake the other replicas: {0}")]
    Wake(#[source] sea_orm::sqlx::Error),
    /// A new subscription could not start: this replica could not tell the database, in
    /// time, that it listens (so writes would not log their events for it).
    #[error("change events cannot be received now: the database is out of reach; retry later")]
    NotListening,
    /// A running subscription ended: this replica could not keep telling the database that it
    /// listens, so events may have been missed; subscribe again (and refetch).
    #[error(
        "change events may have been missed while the database was out of reach; subscribe \
         again"
    )]
    Lapsed,
}

/// What wakes the two tasks: this process's writes, once committed ([`Events::publish`]).
#[derive(Debug, Default)]
pub(crate) struct Wakeups {
    /// Wakes this process's reader.
    reader: Notify,
    /// Wakes the waker, which wakes the other replicas' readers.
    others: Notify,
}

impl Wakeups {
    /// Some write of this process has committed: read the log, and tell the others to.
    /// However many writes call this before the tasks get to it, they act once.
    pub(crate) fn committed(&self) {
        self.reader.notify_one();
        self.others.notify_one();
    }
}

/// The background tasks that carry events through PostgreSQL; stop them with
/// [`EventRelay::stop`] (dropping the relay stops them too, without waiting).
///
/// # Why every event takes the round trip, even to the replica that wrote it
///
/// A replica does not deliver its own events directly: its subscribers get them from the
/// log like everybody else's. Every reader takes the log's rows in the same order, so
/// subscribers on every replica see the same sequence of events, each exactly once.
/// Delivering local events at once would let each replica interleave its own events with
/// the others' differently: a subscriber could see its replica's later update of a row
/// before another replica's earlier one, and end up believing the older state. The cost is
/// one read of the log of latency for local subscribers.
#[derive(Debug, Default)]
pub struct EventRelay {
    stop: Option<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
    listener_pool: Option<PgPool>,
}

/// Sets up event delivery for `db`: on PostgreSQL, connects the reader to `listen_url`
/// (the same server and database as `db`, but a direct connection: `LISTEN` is session
/// state, which a transaction-mode pooler does not keep), runs `LISTEN` and takes its
/// place in the log before returning (so every event committed afterwards is delivered),
/// then starts the reader and waker tasks; on SQLite, in-process delivery and an empty
/// relay.
pub async fn start(db: &Db, listen_url: &str) -> Result<(Events, EventRelay), EventsError> {
    start_with(db, listen_url, RelayOptions::default()).await
}

/// [`start`], paced by `options`.
pub async fn start_with(
    db: &Db,
    listen_url: &str,
    options: RelayOptions,
) -> Result<(Events, EventRelay), EventsError> {
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
    let mut listener = connect_listener(&listener_pool).await?;
    let position = log::start(&mut listener)
        .await
        .map_err(EventsError::Listen)?;

    let hub = Hub::new();
    let wakeups = Arc::new(Wakeups::default());
    let presence = Arc::new(Presence::new());
    let (stop, stopped) = watch::channel(false);
    let reader = Reader {
        pool: listener_pool.clone(),
        hub: hub.clone(),
        wakeups: Arc::clone(&wakeups),
        presence: Arc::clone(&presence),
        position,
        options,
        until: None,
        refreshed: Instant::now(),
        idle_since: None,
        next_look: Instant::now(),
    };
    let tasks = vec![
        tokio::spawn(reader.run(listener, stopped.clone())),
        tokio::spawn(wake_others(
            pool,
            Arc::clone(&wakeups),
            Arc::clone(&presence),
            stopped,
        )),
    ];
    tracing::debug!(
        channel = CHANNEL,
        tx = position.tx,
        replica = presence.replica(),
        "relaying change events through PostgreSQL"
    );
    Ok((
        Events::replicated(hub, wakeups, presence),
        EventRelay {
            stop: Some(stop),
            tasks,
            listener_pool: Some(listener_pool),
        },
    ))
}

impl EventRelay {
    /// Stops the tasks (the waker sends a last wake-up for writes not yet announced) and
    /// closes the reader's connection; bounded, so that it never holds up a graceful stop.
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

/// The waker task: after this process's writes commit, one `NOTIFY` through the pool for
/// however many committed while the previous one was on its way or in the [`WAKE_GAP`]
/// after it; a last one at stop if a write is still unannounced. None while no replica
/// listens (the writes logged nothing to read).
///
/// Sent as a simple query (one message, one round trip, no parameters), so a
/// transaction-mode pooler runs it whole on one server connection, and straight on sqlx's
/// pool: it is the relay's housekeeping, not a statement of any request.
async fn wake_others(
    pool: PgPool,
    wakeups: Arc<Wakeups>,
    presence: Arc<Presence>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let last = tokio::select! {
            biased;
            () = stop_requested(&mut stopped) => true,
            () = wakeups.others.notified() => false,
        };
        // At stop, only if a write is waiting for its wake-up.
        if last && futures::FutureExt::now_or_never(wakeups.others.notified()).is_none() {
            break;
        }
        if !presence.anyone() {
            if last {
                break;
            }
            continue;
        }
        if let Err(error) = sea_orm::sqlx::raw_sql(NOTIFY).execute(&pool).await {
            let error = EventsError::Wake(error);
            tracing::warn!(%error, "other replicas will read the change log at their next tick");
        }
        if last {
            break;
        }
        // Writes committed meanwhile share the next wake-up: at most one per gap, so that
        // the wake-ups take little of the pool and of the database under a write load.
        tokio::select! {
            biased;
            () = stop_requested(&mut stopped) => {}
            () = tokio::time::sleep(WAKE_GAP) => {}
        }
    }
    tracing::debug!("the change-event waker stopped");
}

/// The reader task's state: where it stands in the log, what it delivers to, and this
/// replica's row in `change_listeners`.
struct Reader {
    pool: PgPool,
    hub: Hub,
    wakeups: Arc<Wakeups>,
    presence: Arc<Presence>,
    position: Position,
    options: RelayOptions,
    /// While this replica has a row: when it expires, as far as this process can tell (the
    /// last refresh's send time plus the TTL; the database's own expiry is later).
    until: Option<Instant>,
    /// When the row was last written.
    refreshed: Instant,
    /// Since when this replica has had no subscriber, while it has a row.
    idle_since: Option<Instant>,
    /// While it has none: when to look again whether any replica listens.
    next_look: Instant,
}

/// What ended the reader's wait.
enum Woken {
    /// This process's writes committed.
    Write,
    /// A wake-up from another replica (or the connection's loss and recovery).
    Notification(Result<Option<PgNotification>, sea_orm::sqlx::Error>),
    /// A new subscription wants this replica's row.
    Asked,
    /// Its timer: a tick, or a look again at rows held back.
    Timer,
}

/// How the reader prunes: the horizon it saw at its last pruning, and when the next is due.
struct Pruning {
    bound: Option<i64>,
    due: Instant,
}

/// Whether, and since when, committed rows have been held back by an older transaction.
#[derive(Default)]
struct HeldBack {
    since: Option<Instant>,
    pause: Duration,
    warned: bool,
}

impl Reader {
    /// Reads the log and delivers its events until stopped, getting its connection back (and
    /// `LISTEN`ing again) whenever it is lost, and reading on from where it stood; keeps
    /// this replica's row in `change_listeners` while it has subscribers.
    async fn run(mut self, listener: PgListener, mut stopped: watch::Receiver<bool>) {
        let mut listener = Some(listener);
        let mut retry = RETRY_MIN;
        let mut held = HeldBack::default();
        let mut pruning = Pruning {
            bound: None,
            due: Instant::now(),
        };
        let mut look = false;
        loop {
            self.check_lapse();
            let Some(active) = listener.as_mut() else {
                let connected = tokio::select! {
                    biased;
                    () = stop_requested(&mut stopped) => break,
                    connected = connect_listener(&self.pool) => connected,
                };
                match connected {
                    Ok(connected) => {
                        tracing::info!(
                            "the change-event listener is listening again; reading the log on \
                             from where it stood"
                        );
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

            let last_read = Instant::now();
            // While the row is live, the work must be done before it would expire.
            let deadline = self.until;
            let work = self.work(active, &mut held, &mut pruning, std::mem::take(&mut look));
            let done = match deadline {
                Some(deadline) => tokio::time::timeout_at(deadline, work).await.ok(),
                None => Some(work.await),
            };
            match done {
                Some(Ok(())) => {}
                Some(Err(error)) => {
                    let error = EventsError::Receive(error);
                    tracing::warn!(
                        %error,
                        "the change-event listener lost its database connection; reconnecting \
                         (events written meanwhile are read when it is back)"
                    );
                    // Returns the connection to the pool, which tests it before handing it
                    // out again.
                    listener = None;
                    continue;
                }
                None => {
                    tracing::warn!(
                        "the change-event listener's database work did not finish before its \
                         listener row would expire; reconnecting"
                    );
                    listener = None;
                    continue;
                }
            }

            let listening = self.until.is_some();
            let pause = if held.since.is_some() {
                held.pause
            } else {
                self.options.tick
            };
            let pause = if listening {
                pause.min(self.refresh_interval())
            } else {
                pause
            };
            let woken = tokio::select! {
                biased;
                () = stop_requested(&mut stopped) => break,
                received = active.try_recv() => Woken::Notification(received),
                () = self.wakeups.reader.notified(), if listening => Woken::Write,
                () = self.presence.asked(), if !listening => Woken::Asked,
                () = tokio::time::sleep(pause) => Woken::Timer,
            };
            let woken = match woken {
                Woken::Write => true,
                Woken::Timer | Woken::Asked => false,
                // Wake-ups carry nothing: take every one already here with this one.
                Woken::Notification(Ok(Some(_))) => {
                    while active.next_buffered().is_some() {}
                    // Perhaps a replica that started listening: its wake-ups matter.
                    look = !self.presence.anyone();
                    listening
                }
                // `try_recv` has already reconnected and run LISTEN again.
                Woken::Notification(Ok(None)) => {
                    tracing::info!(
                        "the change-event listener got a new database connection; reading \
                         the log on from where it stood"
                    );
                    false
                }
                Woken::Notification(Err(error)) => {
                    let error = EventsError::Receive(error);
                    tracing::warn!(%error, "the change-event listener is reconnecting");
                    listener = None;
                    false
                }
            };
            // Writes that keep waking the reader are read together, at most one read per gap.
            if woken {
                tokio::select! {
                    biased;
                    () = stop_requested(&mut stopped) => break,
                    () = tokio::time::sleep_until(last_read + READ_GAP) => {}
                }
            }
        }
        if self.until.is_some()
            && let Some(active) = listener.as_mut()
        {
            let withdrawn = tokio::time::timeout(
                STOP_TIMEOUT / 3,
                presence::withdraw(active, self.presence.replica()),
            )
            .await;
            if !matches!(withdrawn, Ok(Ok(()))) {
                tracing::warn!(
                    "could not remove this replica's listener row; it expires on its own"
                );
            }
            self.presence.withdrawn();
        }
        tracing::debug!("the change-event listener stopped");
    }

    /// One round of the reader's database work: the listener row, the log (while this
    /// replica listens) or a look at whether anyone does (while it does not, once per tick
    /// or when `look`), and pruning.
    async fn work(
        &mut self,
        connection: &mut PgListener,
        held: &mut HeldBack,
        pruning: &mut Pruning,
        look: bool,
    ) -> Result<(), sea_orm::sqlx::Error> {
        self.keep_row(connection).await?;
        if self.until.is_some() {
            self.catch_up(connection, held).await?;
        } else {
            *held = HeldBack::default();
            let now = Instant::now();
            if look || now >= self.next_look {
                self.presence
                    .set_anyone(presence::anyone(connection).await?);
                self.next_look = now + self.options.tick;
            }
        }
        self.prune_if_due(connection, pruning).await
    }

    /// How often the row is refreshed.
    fn refresh_interval(&self) -> Duration {
        self.options.listener_ttl / 6
    }

    /// Writes this replica's row when a subscriber wants it, refreshes it while there are
    /// subscribers, and removes it once there have been none for a while.
    async fn keep_row(&mut self, connection: &mut PgListener) -> Result<(), sea_orm::sqlx::Error> {
        let wanted = self.hub.receivers() > 0 || self.presence.waiting();
        let now = Instant::now();
        let lingered = if wanted {
            self.idle_since = None;
            false
        } else {
            *self.idle_since.get_or_insert(now) + self.options.listener_linger <= now
        };
        let replica = self.presence.replica();
        let ttl = self.options.listener_ttl;
        match self.until {
            None if wanted => {
                let horizon = presence::announce(connection, replica, ttl).await?;
                self.until = Some(now + ttl);
                self.refreshed = now;
                // A write that sees the row runs after it committed, so in a transaction that
                // was still open under that statement's snapshot, or a later one.
                self.position = self.position.max(Position {
                    tx: horizon,
                    seq: 0,
                });
                self.presence.listening();
                // Replicas that thought nobody listened look again: their writes' wake-ups
                // now matter.
                sea_orm::sqlx::raw_sql(NOTIFY)
                    .execute(&mut *connection)
                    .await?;
                tracing::debug!(
                    replica,
                    tx = horizon,
                    "listening: writes log their change events"
                );
            }
            None => {}
            Some(_) if lingered => {
                presence::withdraw(connection, replica).await?;
                self.until = None;
                self.idle_since = None;
                self.presence.withdrawn();
                tracing::debug!(
                    replica,
                    "no subscribers left: writes stop logging for this replica"
                );
            }
            Some(_) if now >= self.refreshed + self.refresh_interval() => {
                presence::announce(connection, replica, ttl).await?;
                self.until = Some(now + ttl);
                self.refreshed = now;
            }
            Some(_) => {}
        }
        Ok(())
    }

    /// Ends the current subscriptions if the row may have expired before it was refreshed:
    /// writes may have stopped logging, so events may be missing.
    fn check_lapse(&mut self) {
        if let Some(until) = self.until
            && Instant::now() >= until
        {
            self.until = None;
            self.idle_since = None;
            self.presence.lapsed();
            tracing::warn!(
                replica = self.presence.replica(),
                "this replica could not refresh its listener row in time, so change events may \
                 have been missed; its subscriptions are ended (clients subscribe again)"
            );
        }
    }

    /// Reads and delivers every row below the horizon after the reader's position; notes
    /// whether rows are held back above it (and says what holds them when it lasts).
    async fn catch_up(
        &mut self,
        connection: &mut PgListener,
        held: &mut HeldBack,
    ) -> Result<(), sea_orm::sqlx::Error> {
        loop {
            let batch = log::read(connection, self.position, BATCH).await?;
            let full = batch.entries.len() as i64 >= BATCH;
            for entry in batch.entries {
                self.position = entry.position;
                if let Some(change) = Self::decode(&entry.payload) {
                    self.hub.deliver(change);
                }
            }
            if full {
                continue;
            }
            if !batch.held_back {
                *held = HeldBack::default();
                return Ok(());
            }
            let since = *held.since.get_or_insert_with(Instant::now);
            held.pause = (held.pause * 2).clamp(HELD_MIN, HELD_MAX);
            if !held.warned && since.elapsed() >= HELD_WARNING {
                held.warned = true;
                let holder = log::oldest_writer(connection).await?;
                tracing::warn!(
                    held_s = since.elapsed().as_secs(),
                    ?holder,
                    "change events are held back by an older transaction that is still open \
                     (pid, database, seconds open); they are delivered when it ends"
                );
            }
            return Ok(());
        }
    }

    /// Prunes the log once per [`RelayOptions::prune_interval`]: rows below the horizon it saw the time
    /// before, which every connected reader has had the whole interval to read.
    async fn prune_if_due(
        &mut self,
        connection: &mut PgListener,
        pruning: &mut Pruning,
    ) -> Result<(), sea_orm::sqlx::Error> {
        if Instant::now() < pruning.due {
            return Ok(());
        }
        if let Some(bound) = pruning.bound {
            let pruned = log::prune(connection, bound).await?;
            tracing::debug!(pruned, "pruned the change log");
        }
        let swept = presence::sweep(connection).await?;
        if swept > 0 {
            tracing::info!(
                swept,
                "removed the expired listener rows of replicas that stopped"
            );
        }
        pruning.bound = Some(log::horizon(connection).await?);
        pruning.due = Instant::now() + self.options.prune_interval;
        Ok(())
    }

    /// Turns a row of the log into the event to deliver; a row that is not an event is
    /// skipped (and logged).
    fn decode(payload: &str) -> Option<Change> {
        match Notice::decode(payload) {
            Ok(notice) => Some(notice.into_change()),
            Err(error) => {
                let error = EventsError::Payload(error);
                tracing::warn!(%error, "a row of the change log that is not an event was skipped");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wake_up_goes_to_the_channel_readers_listen_on() {
        assert_eq!(NOTIFY, format!("NOTIFY {CHANNEL}"));
    }
}
