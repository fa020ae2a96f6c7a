//! Telling the tables' triggers that this replica has subscribers, so that writes log their
//! change events only while some replica listens (migration `m0006_change_listeners`).
//!
//! A replica with subscribers keeps a row in `change_listeners` whose expiry it pushes back
//! while it has them; the triggers log while any row is live. The reader task does the
//! writing, on its own direct connection ([`super::relay`]); what is here is the state it
//! shares with the subscriptions, and the statements.
//!
//! The rules that keep every event reaching every subscriber:
//!
//! - a subscription starts (its broadcast receiver exists, and it counts in
//!   [`super::Events::customer_subscribers`]) only once the replica's row is committed, so the
//!   trigger of every write whose statement runs afterwards sees the row and logs;
//! - when the reader starts reading again after having no row, it starts from the horizon of
//!   the statement that wrote the row, below which no such write can be;
//! - a replica that could not push its expiry back in time (the database unreachable from it,
//!   say) may have missed events: it ends its subscriptions with an error, so that their
//!   clients subscribe again and refetch, rather than letting them wait for what never comes.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::{self};
use tokio::sync::{Notify, watch};

use super::relay::EventsError;

/// How long a replica's row stays live after it was last written (by the database's clock).
/// At most the log's prune interval: a replica that has been away longer than this may find
/// rows pruned, and it counts as lapsed before that can happen.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// How long a replica keeps its row after its last subscriber left, so that subscribers that
/// come and go do not make it write the row each time.
pub(crate) const LINGER: Duration = Duration::from_secs(5);

/// How long a new subscription waits for its replica's row before it fails with
/// [`EventsError::NotListening`].
const WAIT: Duration = Duration::from_secs(10);

/// Writes or refreshes this replica's row; returns the horizon of the writing statement's
/// snapshot, below which every write that sees the row must be.
const ANNOUNCE: &str = "INSERT INTO change_listeners (replica, expires_at) \
     VALUES ($1, now() + make_interval(secs => $2)) \
     ON CONFLICT (replica) DO UPDATE SET expires_at = EXCLUDED.expires_at \
     RETURNING pg_snapshot_xmin(pg_current_snapshot())::text::bigint";
const WITHDRAW: &str = "DELETE FROM change_listeners WHERE replica = $1";
const ANYONE: &str = "SELECT EXISTS (SELECT 1 FROM change_listeners WHERE expires_at > now())";
const SWEEP: &str = "DELETE FROM change_listeners WHERE expires_at < now()";

/// Whether this replica's row is live, and how many times it lapsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct State {
    /// The row is committed and not yet due to expire: writes log their events.
    pub(crate) listening: bool,
    /// How many times the row expired before it could be refreshed; a subscription that
    /// started under an earlier count may have missed events.
    pub(crate) lapses: u64,
}

/// The state a replica's subscriptions and its reader share.
#[derive(Debug)]
pub(crate) struct Presence {
    /// This replica's row (`host:pid:random`, for operators reading the table).
    replica: String,
    state: watch::Sender<State>,
    /// Subscriptions waiting for the row.
    waiting: AtomicUsize,
    /// Wakes the reader to write the row.
    asked: Notify,
    /// Whether some replica's row was live at the last look: the wake-ups this replica sends
    /// after its writes matter only then.
    anyone: AtomicBool,
}

impl Presence {
    /// A replica with no row yet.
    pub(crate) fn new() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".to_owned());
        let random = uuid::Uuid::new_v4().simple().to_string();
        Self {
            replica: format!("{host}:{}:{}", std::process::id(), &random[..12]),
            state: watch::Sender::new(State::default()),
            waiting: AtomicUsize::new(0),
            asked: Notify::new(),
            anyone: AtomicBool::new(false),
        }
    }

    /// This replica's name in the table.
    pub(crate) fn replica(&self) -> &str {
        &self.replica
    }

    /// The current state.
    #[cfg(test)]
    fn state(&self) -> State {
        *self.state.borrow()
    }

    /// Whether subscriptions are waiting for the row.
    pub(crate) fn waiting(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }

    /// Resolves when a subscription asks for the row.
    pub(crate) async fn asked(&self) {
        self.asked.notified().await;
    }

    /// Whether some replica listened at the last look.
    pub(crate) fn anyone(&self) -> bool {
        self.anyone.load(Ordering::Relaxed)
    }

    /// What the last look found.
    pub(crate) fn set_anyone(&self, anyone: bool) {
        self.anyone.store(anyone, Ordering::Relaxed);
    }

    /// The row is written: writes log their events, waiting subscriptions start.
    pub(crate) fn listening(&self) {
        self.anyone.store(true, Ordering::Relaxed);
        self.state
            .send_if_modified(|state| !std::mem::replace(&mut state.listening, true));
    }

    /// The row was removed on purpose (no subscribers for a while, or a stop).
    pub(crate) fn withdrawn(&self) {
        self.state
            .send_if_modified(|state| std::mem::replace(&mut state.listening, false));
    }

    /// The row may have expired before it was refreshed: every current subscription may have
    /// missed events and is ended.
    pub(crate) fn lapsed(&self) {
        self.state.send_modify(|state| {
            state.listening = false;
            state.lapses += 1;
        });
    }

    /// Waits until this replica's row is live, and returns what lets the new subscription see
    /// a later lapse; the subscription must start (create its receiver) before dropping the
    /// returned ticket's hold.
    pub(crate) async fn wait(&self) -> Result<Ticket<'_>, EventsError> {
        self.wait_within(WAIT).await
    }

    /// [`Presence::wait`], giving up after `limit`.
    async fn wait_within(&self, limit: Duration) -> Result<Ticket<'_>, EventsError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let hold = Hold(&self.waiting);
        let mut state = self.state.subscribe();
        if !state.borrow_and_update().listening {
            self.asked.notify_one();
        }
        let lapses =
            match tokio::time::timeout(limit, state.wait_for(|state| state.listening)).await {
                Ok(Ok(state)) => state.lapses,
                Ok(Err(_)) | Err(_) => return Err(EventsError::NotListening),
            };
        Ok(Ticket {
            hold,
            watch: Watch::new(state, lapses),
        })
    }
}

/// Keeps the reader from giving up the row while a subscription is being set up.
#[derive(Debug)]
pub(crate) struct Hold<'a>(&'a AtomicUsize);

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What [`Presence::wait`] hands a new subscription.
#[derive(Debug)]
pub(crate) struct Ticket<'a> {
    /// Dropped once the subscription's receiver exists.
    pub(crate) hold: Hold<'a>,
    /// Kept by the subscription for as long as it runs.
    pub(crate) watch: Watch,
}

/// Tells a running subscription that its replica's row lapsed after it started.
///
/// The wait is one future kept for the subscription's life, so that it registers with the
/// state's channel once, not again each time the subscription takes an event.
pub(crate) struct Watch {
    lapse: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Watch").finish_non_exhaustive()
    }
}

impl Watch {
    /// Watches `state` for a lapse after the `lapses` a subscription started under.
    fn new(mut state: watch::Receiver<State>, lapses: u64) -> Self {
        Self {
            lapse: Box::pin(async move {
                // The relay went away first: the subscription then ends with its channel.
                if state
                    .wait_for(|state| state.lapses != lapses)
                    .await
                    .is_err()
                {
                    std::future::pending::<()>().await;
                }
            }),
        }
    }

    /// Resolves once the row has lapsed since the subscription started; not to be awaited
    /// again after it resolved.
    pub(crate) async fn lapsed(&mut self) {
        self.lapse.as_mut().await;
    }
}

/// Writes or refreshes `replica`'s row, live for `ttl`; returns the horizon of the writing
/// statement.
pub(crate) async fn announce(
    connection: &mut PgListener,
    replica: &str,
    ttl: Duration,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(ANNOUNCE)
        .bind(replica)
        .bind(ttl.as_secs_f64())
        .fetch_one(connection)
        .await
}

/// Removes `replica`'s row.
pub(crate) async fn withdraw(
    connection: &mut PgListener,
    replica: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(WITHDRAW)
        .bind(replica)
        .execute(connection)
        .await
        .map(drop)
}

/// Whether any replica's row is live.
pub(crate) async fn anyone(connection: &mut PgListener) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(ANYONE).fetch_one(connection).await
}

/// Removes the rows of replicas that stopped without removing their own.
pub(crate) async fn sweep(connection: &mut PgListener) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(SWEEP)
        .execute(connection)
        .await?
        .rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_name_the_migrations_table() {
        for statement in [ANNOUNCE, WITHDRAW, ANYONE, SWEEP] {
            assert!(
                statement.contains(migration::CHANGE_LISTENERS),
                "{statement}"
            );
        }
    }

    #[tokio::test]
    async fn a_subscription_waits_for_the_row_and_sees_a_later_lapse() {
        let presence = Presence::new();
        assert!(!presence.waiting());
        let waiting = presence.wait();
        tokio::pin!(waiting);
        // Not listening yet: the subscription waits and has asked the reader.
        assert!(
            futures::FutureExt::now_or_never(waiting.as_mut()).is_none(),
            "started before the row was written"
        );
        assert!(presence.waiting());
        tokio::time::timeout(Duration::from_secs(1), presence.asked())
            .await
            .expect("the reader was asked for the row");
        presence.listening();
        let ticket = waiting.await.expect("started once listening");
        assert!(presence.anyone());
        drop(ticket.hold);
        assert!(!presence.waiting());

        let mut watch = ticket.watch;
        assert!(futures::FutureExt::now_or_never(watch.lapsed()).is_none());
        presence.withdrawn();
        assert!(
            futures::FutureExt::now_or_never(watch.lapsed()).is_none(),
            "a withdrawal is not a lapse"
        );
        presence.lapsed();
        assert!(futures::FutureExt::now_or_never(watch.lapsed()).is_some());
        assert!(!presence.state().listening);
    }

    #[tokio::test]
    async fn a_subscription_gives_up_when_the_row_never_comes() {
        let presence = Presence::new();
        let error = presence
            .wait_within(Duration::from_millis(50))
            .await
            .expect_err("nobody wrote the row");
        assert!(matches!(error, EventsError::NotListening), "{error}");
        assert!(!presence.waiting());
    }
}
