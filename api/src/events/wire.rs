//! The JSON that carries one change event in a row of the change log.
//!
//! ```json
//! {"type":"todo","kind":"UPDATED","todo_id":7,"customer_id":1,"todo":{"id":7,"task":"...",...}}
//! ```
//!
//! The tables' triggers write the payloads (migration `m0005_change_log`), each row as
//! `row_to_json`, so the row types' fields are the columns' names, and always with the row
//! for `CREATED` and `UPDATED` (never for `DELETED`). The format began as `m0004`'s
//! notification payload, which had to stay under 8000 bytes and so left out rows too large
//! for it; a log row has no such limit. They are serde types of
//! their own rather than serde on the entities, so that the format replicas read changes
//! only on purpose (replicas of two versions run side by side during a rolling deploy).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use service::customer::Customer;
use service::todo::{Todo, TodoStatus};

use super::{Change, ChangeKind, CustomerEvent, TodoEvent};

/// One change log row's payload.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub(crate) enum Notice {
    /// A customer changed.
    Customer {
        /// What happened.
        kind: ChangeKind,
        /// Which customer.
        customer_id: i32,
        /// The new state; absent for a delete.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        customer: Option<CustomerRow>,
    },
    /// A todo changed.
    Todo {
        /// What happened.
        kind: ChangeKind,
        /// Which todo.
        todo_id: i32,
        /// Its customer after the change (before it, for a delete), for filtering.
        customer_id: Option<i32>,
        /// The new state; absent for a delete.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        todo: Option<TodoRow>,
    },
}

/// A customer row on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct CustomerRow {
    customer_id: i32,
    first_name: String,
    middle_name: Option<String>,
    last_name: String,
    suffix: Option<String>,
    email: String,
    phone: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A todo row on the wire.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct TodoRow {
    id: i32,
    task: String,
    status: TodoStatus,
    customer_id: Option<i32>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&Customer> for CustomerRow {
    fn from(row: &Customer) -> Self {
        Self {
            customer_id: row.customer_id,
            first_name: row.first_name.clone(),
            middle_name: row.middle_name.clone(),
            last_name: row.last_name.clone(),
            suffix: row.suffix.clone(),
            email: row.email.clone(),
            phone: row.phone.clone(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<CustomerRow> for Customer {
    fn from(row: CustomerRow) -> Self {
        Self {
            customer_id: row.customer_id,
            first_name: row.first_name,
            middle_name: row.middle_name,
            last_name: row.last_name,
            suffix: row.suffix,
            email: row.email,
            phone: row.phone,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<&Todo> for TodoRow {
    fn from(row: &Todo) -> Self {
        Self {
            id: row.id,
            task: row.task.clone(),
            status: row.status,
            customer_id: row.customer_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<TodoRow> for Todo {
    fn from(row: TodoRow) -> Self {
        Self {
            id: row.id,
            task: row.task,
            status: row.status,
            customer_id: row.customer_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl Notice {
    /// The payload of `change`: what the triggers write, in Rust so that the unit tests
    /// below pin the format down.
    #[cfg(test)]
    pub(crate) fn encode(change: &Change) -> Result<String, serde_json::Error> {
        serde_json::to_string(&Self::from_change(change))
    }

    /// Reads a payload sent by a trigger (of this or another version's migration).
    pub(crate) fn decode(payload: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload)
    }

    #[cfg(test)]
    fn from_change(change: &Change) -> Self {
        match change {
            Change::Customer(event) => Self::Customer {
                kind: event.kind,
                customer_id: event.customer_id,
                customer: event.customer.as_ref().map(CustomerRow::from),
            },
            Change::Todo(event) => Self::Todo {
                kind: event.kind,
                todo_id: event.todo_id,
                customer_id: event.customer_id,
                todo: event.todo.as_ref().map(TodoRow::from),
            },
        }
    }

    /// The event to deliver.
    pub(crate) fn into_change(self) -> Change {
        match self {
            Self::Customer {
                kind,
                customer_id,
                customer,
            } => Change::Customer(CustomerEvent {
                kind,
                customer_id,
                customer: customer.map(Customer::from),
            }),
            Self::Todo {
                kind,
                todo_id,
                customer_id,
                todo,
            } => Change::Todo(TodoEvent {
                kind,
                todo_id,
                customer_id,
                todo: todo.map(Todo::from),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    /// A fixed time, so that payload lengths do not depend on the clock.
    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .expect("a valid time")
    }

    fn customer(middle_name: Option<String>) -> Customer {
        Customer {
            customer_id: 3,
            first_name: "Ada".to_owned(),
            middle_name,
            last_name: "Lovelace".to_owned(),
            suffix: None,
            email: "ada@example.com".to_owned(),
            phone: Some("555-0100".to_owned()),
            created_at: at(),
            updated_at: Utc::now(),
        }
    }

    fn todo(task: &str) -> Todo {
        Todo {
            id: 7,
            task: task.to_owned(),
            status: TodoStatus::InProcess,
            customer_id: Some(3),
            created_at: at(),
            updated_at: at(),
        }
    }

    fn round_trip(change: &Change) -> (String, Notice) {
        let payload = Notice::encode(change).expect("encodes");
        let notice = Notice::decode(&payload).expect("decodes");
        (payload, notice)
    }

    #[test]
    fn a_row_travels_whole_and_comes_back_equal() {
        let change = Change::Customer(CustomerEvent {
            kind: ChangeKind::Updated,
            customer_id: 3,
            customer: Some(customer(Some("Augusta".to_owned()))),
        });
        let (payload, notice) = round_trip(&change);
        assert!(payload.contains(r#""kind":"UPDATED""#), "{payload}");
        assert_eq!(notice.into_change(), change);

        let change = Change::Todo(TodoEvent {
            kind: ChangeKind::Created,
            todo_id: 7,
            customer_id: Some(3),
            todo: Some(todo("Write the notes")),
        });
        let (_, notice) = round_trip(&change);
        assert_eq!(notice.into_change(), change);
    }

    #[test]
    fn a_delete_carries_no_row() {
        let change = Change::Customer(CustomerEvent {
            kind: ChangeKind::Deleted,
            customer_id: 3,
            customer: None,
        });
        let (payload, notice) = round_trip(&change);
        assert_eq!(
            payload,
            r#"{"type":"customer","kind":"DELETED","customer_id":3}"#
        );
        assert_eq!(notice.into_change(), change);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Notice::decode("not json").is_err());
        assert!(Notice::decode(r#"{"type":"invoice","kind":"CREATED"}"#).is_err());
    }
}
