//! On PostgreSQL, the triggers log change events only while some replica has subscribers.
//!
//! Appending every write's event to `change_log` (`m0005`) costs the write a second insert and
//! the database the log's upkeep, about a fifth of what a write costs, even when nobody
//! subscribes, which is most of the time for most deployments. Replicas with subscribers now
//! announce themselves in `change_listeners` (one row per replica, refreshed while it has
//! subscribers, with an expiry so that a replica that dies without saying so stops counting),
//! and the triggers return at once when no row is live. A replica counts a new subscription
//! as started only once its own row is committed (`api/src/events/presence.rs`), so every
//! write whose statement runs after that is logged.
//!
//! Replicas of a version before this one do not announce themselves: so that their
//! subscribers keep getting events during a rolling deploy, the migration, when it finds
//! such replicas listening, leaves a row that keeps logging on for [`GRACE`] after it ran.
//!
//! SQLite has a single process and delivers events in process: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::m0005_change_log as m0005;

/// The table replicas with subscribers announce themselves in.
pub const CHANGE_LISTENERS: &str = "change_listeners";

/// How long after this migration the triggers keep logging for replicas of older versions,
/// which listen without announcing themselves.
pub const GRACE: &str = "15 minutes";

/// The name of the row that stands for the replicas of older versions.
pub const GRACE_ROW: &str = "replicas from before m0006";

/// The `application_name` of every version's change-event listener connection, by which
/// the migration finds replicas of older versions listening.
pub const LISTENER_APPLICATION_NAME: &str = "customers-todos events listener";

#[derive(DeriveMigrationName)]
pub struct Migration;

const CREATE_LISTENERS: &str = r#"
CREATE TABLE change_listeners (
    replica text PRIMARY KEY,
    expires_at timestamptz NOT NULL
)"#;

/// What each trigger function runs first: nothing to log while no replica listens.
/// (`now()` is the writing transaction's start, so a long transaction errs on the side of
/// logging.)
const GATE: &str = "BEGIN
    IF NOT EXISTS (SELECT 1 FROM change_listeners WHERE expires_at > now()) THEN
        RETURN NULL;
    END IF;
";

/// `m0005`'s trigger function `function`, gated.
fn gated(function: &str) -> String {
    assert!(
        function.contains("\nBEGIN\n"),
        "a trigger function without a body"
    );
    function.replacen("\nBEGIN\n", &format!("\n{GATE}"), 1)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(CREATE_LISTENERS).await?;
        // Replicas that run the migration start listening only after it (and under its lock),
        // so a listener connected now is a replica of an older version.
        db.execute_unprepared(&format!(
            "INSERT INTO change_listeners (replica, expires_at) \
             SELECT '{GRACE_ROW}', now() + interval '{GRACE}' \
             WHERE EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = '{LISTENER_APPLICATION_NAME}')"
        ))
        .await?;
        for function in m0005::FUNCTIONS {
            db.execute_unprepared(&gated(function)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for function in m0005::FUNCTIONS {
            db.execute_unprepared(function).await?;
        }
        db.execute_unprepared("DROP TABLE change_listeners").await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_opens_each_function_before_anything_is_logged() {
        for function in m0005::FUNCTIONS {
            let gated = gated(function);
            let gate = gated
                .find("IF NOT EXISTS (SELECT 1 FROM change_listeners")
                .expect("the gate");
            let first_insert = gated.find("INSERT INTO change_log").expect("an insert");
            assert!(gate < first_insert, "{gated}");
            assert_eq!(gated.matches("BEGIN").count(), 1, "{gated}");
        }
    }

    #[test]
    fn the_table_is_named_as_the_service_names_it() {
        assert!(CREATE_LISTENERS.contains(&format!("TABLE {CHANGE_LISTENERS} (")));
        assert!(GATE.contains(CHANGE_LISTENERS));
    }
}
