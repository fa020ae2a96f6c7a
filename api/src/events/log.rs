//! Reading the change log that the tables' triggers append to (migration `m0005_change_log`),
//! in the one order every replica agrees on, without skipping a row that commits late.
//!
//! A row is stamped with its transaction's id (`tx`, an `xid8`) and a sequence number
//! (`seq`). A reader takes rows in `(tx, seq)` order, after the last one it took, but only
//! those whose `tx` is below the *horizon*: the oldest transaction id still running when the
//! reading statement's snapshot was taken (`pg_snapshot_xmin(pg_current_snapshot())`).
//! Every transaction below the horizon has ended, so its rows are all visible or never will
//! be, and every transaction that has yet to commit has an id at or above it: a row can
//! appear only above where a reader stands. The price is that one long transaction that has
//! written anything (in any database of the server: transaction ids are server-wide) holds
//! back delivery until it ends; [`oldest_writer`] names it for the log.

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::sqlx::{self, Row};

/// The statements below name the change log's table, `migration::CHANGE_LOG`, literally
/// (sqlx takes only `'static` SQL); a test checks that they agree.
const READ: &str = "(SELECT tx::text::bigint AS tx, seq, payload FROM change_log \
     WHERE (tx, seq) > ($1::bigint::text::xid8, $2) \
     AND tx < pg_snapshot_xmin(pg_current_snapshot()) \
     ORDER BY tx, seq LIMIT $3) \
     UNION ALL \
     SELECT NULL, NULL, NULL WHERE EXISTS (SELECT 1 FROM change_log \
     WHERE tx >= pg_snapshot_xmin(pg_current_snapshot()))";
const PRUNE: &str = "DELETE FROM change_log WHERE tx < $1::bigint::text::xid8";

/// Where a reader stands in the log: the last row it took, or (`tx` = the horizon at its
/// start, `seq` 0) before any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Position {
    /// A transaction id (`xid8`, which PostgreSQL keeps below 2⁶³).
    pub(crate) tx: i64,
    /// The row's sequence number within the log.
    pub(crate) seq: i64,
}

/// One row of the log: where it stands and its event's JSON.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The row's place in the log.
    pub(crate) position: Position,
    /// The event, as `api/src/events/wire.rs` decodes it.
    pub(crate) payload: String,
}

/// The current horizon: every row below it has been committed or never will be.
pub(crate) async fn horizon(connection: &mut PgListener) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        .fetch_one(connection)
        .await
}

/// The position a new reader starts from: after every row of a transaction that has
/// already ended, before every row of one that has not.
pub(crate) async fn start(connection: &mut PgListener) -> Result<Position, sqlx::Error> {
    Ok(Position {
        tx: horizon(connection).await?,
        seq: 0,
    })
}

/// What one read of the log found.
#[derive(Debug, Default)]
pub(crate) struct Batch {
    /// Up to the asked-for number of rows after the reader's position and below the
    /// horizon, in log order.
    pub(crate) entries: Vec<Entry>,
    /// Whether committed rows wait above the horizon (held back by an older transaction
    /// that is still running), so that the reader should look again soon rather than at
    /// its next tick.
    pub(crate) held_back: bool,
}

/// Reads up to `limit` rows after `after`, in one statement (so under one snapshot and one
/// horizon), with whether more wait above the horizon (the second part of the `UNION`: one
/// row of NULLs).
pub(crate) async fn read(
    connection: &mut PgListener,
    after: Position,
    limit: i64,
) -> Result<Batch, sqlx::Error> {
    let rows = sqlx::query(READ)
        .bind(after.tx)
        .bind(after.seq)
        .bind(limit)
        .fetch_all(connection)
        .await?;
    let mut batch = Batch::default();
    for row in rows {
        let (Some(tx), Some(seq), Some(payload)) = (
            row.try_get::<Option<i64>, _>("tx")?,
            row.try_get::<Option<i64>, _>("seq")?,
            row.try_get::<Option<String>, _>("payload")?,
        ) else {
            batch.held_back = true;
            continue;
        };
        batch.entries.push(Entry {
            position: Position { tx, seq },
            payload,
        });
    }
    // UNION ALL keeps the first part's order in practice, but SQL does not promise it.
    batch.entries.sort_by_key(|entry| entry.position);
    Ok(batch)
}

/// The oldest running transaction that has written something, as
/// `(pid, database, seconds open)`: what holds the horizon back, for a warning.
pub(crate) async fn oldest_writer(
    connection: &mut PgListener,
) -> Result<Option<(i32, Option<String>, f64)>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT pid, datname::text AS datname, \
         extract(epoch FROM clock_timestamp() - xact_start)::float8 AS open \
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL \
         ORDER BY xact_start LIMIT 1",
    )
    .fetch_optional(connection)
    .await?;
    row.map(|row| {
        Ok((
            row.try_get("pid")?,
            row.try_get("datname")?,
            row.try_get("open")?,
        ))
    })
    .transpose()
}

/// Deletes every row of a transaction below `bound`; returns how many.
///
/// The caller passes the horizon it saw one pruning interval ago: those rows have been
/// readable for at least that long, which every connected listener has had to read them.
pub(crate) async fn prune(connection: &mut PgListener, bound: i64) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(PRUNE).bind(bound).execute(connection).await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_statements_name_the_migrations_table() {
        for sql in [READ, PRUNE] {
            assert!(
                sql.contains(&format!("FROM {} ", migration::CHANGE_LOG)),
                "{sql}"
            );
        }
    }
}
