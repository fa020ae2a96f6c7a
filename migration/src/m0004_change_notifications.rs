//! On PostgreSQL, every row written to `customer` or `todos` sends its change event with
//! `pg_notify` from a trigger, in the writing statement's own transaction.
//!
//! The service's replicas relay change events to their subscribers through NOTIFY/LISTEN. A
//! notification sent by the write's own transaction reaches listeners at commit, in commit
//! order, and never for a write that rolled back; sent from a trigger, it costs the write no
//! round trip of its own (and no `BEGIN`/`COMMIT` around a single statement), so a create is
//! one `INSERT … RETURNING`, as it would be without subscriptions.
//!
//! The payload is the JSON the service's relay decodes (`api/src/events/wire.rs`):
//! `{"type":"todo","kind":"UPDATED","todo_id":7,"customer_id":1,"todo":{…the row…}}`, the
//! row left out when the payload would reach PostgreSQL's 8000-byte limit (the receiver then
//! reads it back), and never sent for a delete.
//!
//! Deleting a customer unlinks its todos (`ON DELETE SET NULL`), which PostgreSQL runs as an
//! `UPDATE` of those todos; the service announces only the customer's deletion there (as it
//! does on SQLite, where there are no triggers), so the todos' trigger skips an update that
//! only cleared `customer_id` and left `updated_at` alone: every write the service makes
//! stamps `updated_at`.
//!
//! SQLite has a single process and delivers events in process: nothing to do there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// The notification channel these triggers sent events on, until `m0005_change_log` (which
/// restores them on the way down).
pub(crate) const CHANGE_CHANNEL: &str = "customers_todos_events";

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The customer trigger's function.
const CUSTOMER_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION customers_todos_customer_changed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    kind text := CASE TG_OP WHEN 'INSERT' THEN 'CREATED' WHEN 'UPDATE' THEN 'UPDATED'
                            ELSE 'DELETED' END;
    payload text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        payload := json_build_object('type', 'customer', 'kind', kind,
                                     'customer_id', OLD.customer_id)::text;
    ELSE
        payload := json_build_object('type', 'customer', 'kind', kind,
                                     'customer_id', NEW.customer_id,
                                     'customer', row_to_json(NEW))::text;
        IF octet_length(payload) >= 8000 THEN
            payload := json_build_object('type', 'customer', 'kind', kind,
                                         'customer_id', NEW.customer_id)::text;
        END IF;
    END IF;
    PERFORM pg_notify('{channel}', payload);
    RETURN NULL;
END
$body$"#;

/// The todo trigger's function.
const TODO_FUNCTION: &str = r#"
CREATE OR REPLACE FUNCTION customers_todos_todo_changed() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
    kind text := CASE TG_OP WHEN 'INSERT' THEN 'CREATED' WHEN 'UPDATE' THEN 'UPDATED'
                            ELSE 'DELETED' END;
    payload text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        payload := json_build_object('type', 'todo', 'kind', kind, 'todo_id', OLD.id,
                                     'customer_id', OLD.customer_id)::text;
    ELSE
        -- Unlinked by its customer's deletion, not written by the service.
        IF TG_OP = 'UPDATE' AND NEW.customer_id IS NULL AND OLD.customer_id IS NOT NULL
           AND NEW.updated_at = OLD.updated_at AND NEW.task = OLD.task
           AND NEW.status = OLD.status THEN
            RETURN NULL;
        END IF;
        payload := json_build_object('type', 'todo', 'kind', kind, 'todo_id', NEW.id,
                                     'customer_id', NEW.customer_id,
                                     'todo', row_to_json(NEW))::text;
        IF octet_length(payload) >= 8000 THEN
            payload := json_build_object('type', 'todo', 'kind', kind, 'todo_id', NEW.id,
                                         'customer_id', NEW.customer_id)::text;
        END IF;
    END IF;
    PERFORM pg_notify('{channel}', payload);
    RETURN NULL;
END
$body$"#;

/// `(trigger, table, function)`.
pub(crate) const TRIGGERS: &[(&str, &str, &str)] = &[
    (
        "customers_todos_customer_changed",
        "customer",
        CUSTOMER_FUNCTION,
    ),
    ("customers_todos_todo_changed", "todos", TODO_FUNCTION),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, table, function) in TRIGGERS {
            db.execute_unprepared(&function.replace("{channel}", CHANGE_CHANNEL))
                .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER \"{name}\" AFTER INSERT OR UPDATE OR DELETE ON \"{table}\" \
                 FOR EACH ROW EXECUTE FUNCTION \"{name}\"()"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (name, table, _) in TRIGGERS.iter().rev() {
            db.execute_unprepared(&format!("DROP TRIGGER \"{name}\" ON \"{table}\""))
                .await?;
            db.execute_unprepared(&format!("DROP FUNCTION \"{name}\"()"))
                .await?;
        }
        Ok(())
    }
}
