//! On PostgreSQL, the tables' triggers append each row's change event to the `change_log`
//! table instead of sending it with `pg_notify`.
//!
//! `m0004` sent every event with `pg_notify` from the writing statement. That gave commit
//! order, but PostgreSQL serialises the commits of notifying transactions (a transaction that
//! has notified holds a database-wide lock from the start of its commit to its end, so such
//! commits never share a WAL flush): writes were bounded at about a quarter of what the same
//! inserts commit without it. An insert into a table has no such lock, so events now go to a
//! log, and the replicas read it (`api/src/events/log.rs`):
//!
//! - each row is stamped with its transaction's id (`pg_current_xact_id()`) and a sequence
//!   number; readers take rows in `(tx, seq)` order, and only those whose transaction id is
//!   below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`).
//!   Every later commit has a transaction id at or above that bound, so a reader never skips
//!   a row that commits late, and every replica hands out the same rows in the same order;
//! - a row's update always comes after its creation (the updating transaction gets its id
//!   after the creating one committed: every write the service makes is one statement or
//!   starts its transaction with that write);
//! - the payload is the JSON of `m0004` (`api/src/events/wire.rs`), now always with the row
//!   (a table's text has no 8000-byte limit) and never for a delete;
//! - replicas send a payload-less `NOTIFY` on [`WAKE_CHANNEL`] after their writes commit, and
//!   also read the log on a timer, so rows changed with plain SQL arrive too;
//! - replicas delete rows that every listener has had time to read.
//!
//! Deleting a customer unlinks its todos (`ON DELETE SET NULL`); as in `m0004`, the todos'
//! trigger skips an update that only cleared `customer_id` and left `updated_at` alone.
//!
//! SQLite has a single process and delivers events in process: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m0004_change_notifications::{self as m0004, CHANGE_CHANNEL};

/// The table the triggers append change events to.
pub const CHANGE_LOG: &str = "change_log";

/// The channel replicas send payload-less wake-ups on after their writes commit, so that
/// every listener reads the log at once instead of at its next tick. `NOTIFY` is scoped to
/// one database, so services on different databases of one server do not wake each other.
/// (A new name: replicas of a version before this migration listen on `m0004`'s channel for
/// events and would take a wake-up for a malformed one.)
pub const WAKE_CHANNEL: &str = "customers_todos_changes";

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_LOG: &str = r#"
CREATE TABLE change_log (
    tx xid8 NOT NULL DEFAULT pg_current_xact_id(),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    payload text NOT NULL,
    PRIMARY KEY (tx, seq)
)"#;

/// The customer trigger's function, replacing `m0004`'s.
const CUSTOMER_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION customers_todos_customer_changed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    kind text := CASE TG_OP WHEN 'INSERT' THEN 'CREATED' WHEN 'UPDATE' THEN 'UPDATED'
                            ELSE 'DELETED' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (payload)
        VALUES (json_build_object('type', 'customer', 'kind', kind,
                                  'customer_id', OLD.customer_id)::text);
    ELSE
        INSERT INTO change_log (payload)
        VALUES (json_build_object('type', 'customer', 'kind', kind,
                                  'customer_id', NEW.customer_id,
                                  'customer', row_to_json(NEW))::text);
    END IF;
    RETURN NULL;
END
$body$"#;

/// The todo trigger's function, replacing `m0004`'s.
const TODO_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION customers_todos_todo_changed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    kind text := CASE TG_OP WHEN 'INSERT' THEN 'CREATED' WHEN 'UPDATE' THEN 'UPDATED'
                            ELSE 'DELETED' END;
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO change_log (payload)
        VALUES (json_build_object('type', 'todo', 'kind', kind, 'todo_id', OLD.id,
                                  'customer_id', OLD.customer_id)::text);
    ELSE
        -- Unlinked by its customer's deletion, not written by the service.
        IF TG_OP = 'UPDATE' AND NEW.customer_id IS NULL AND OLD.customer_id IS NOT NULL
           AND NEW.updated_at = OLD.updated_at AND NEW.task = OLD.task
           AND NEW.status = OLD.status THEN
            RETURN NULL;
        END IF;
        INSERT INTO change_log (payload)
        VALUES (json_build_object('type', 'todo', 'kind', kind, 'todo_id', NEW.id,
                                  'customer_id', NEW.customer_id,
                                  'todo', row_to_json(NEW))::text);
    END IF;
    RETURN NULL;
END
$body$"#;

/// Both trigger functions, as this migration leaves them (`m0006` gates them, and restores
/// them on the way down).
pub(crate) const FUNCTIONS: [&str; 2] = [CUSTOMER_FUNCTION, TODO_FUNCTION];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(CREATE_LOG).await?;
        for function in FUNCTIONS {
            db.execute_unprepared(function).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (_, _, function) in m0004::TRIGGERS {
            db.execute_unprepared(&function.replace("{channel}", CHANGE_CHANNEL))
                .await?;
        }
        db.execute_unprepared("DROP TABLE change_log").await?;
        Ok(())
    }
}
