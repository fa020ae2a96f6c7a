//! Change events: every successful write, from REST or GraphQL, published after it commits.
//!
//! In-process broadcast channels: a slow subscriber lags and skips events instead of
//! blocking writers or other subscribers.

use service::customer::Customer;
use service::todo::Todo;
use tokio::sync::broadcast;

/// How many events a subscriber may fall behind before it starts skipping.
const CHANNEL_CAPACITY: usize = 1024;

/// What happened to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ChangeKind {
    /// The row was inserted.
    Created,
    /// The row was changed.
    Updated,
    /// The row was deleted.
    Deleted,
}

/// A customer changed; `customer` is the new state, `None` once deleted.
#[derive(Clone, Debug)]
pub struct CustomerEvent {
    /// What happened.
    pub kind: ChangeKind,
    /// Which customer.
    pub customer_id: i32,
    /// The row after the change.
    pub customer: Option<Customer>,
}

/// A todo changed; `todo` is the new state, `None` once deleted.
#[derive(Clone, Debug)]
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

/// The publishing side, shared by every handler.
#[derive(Clone, Debug)]
pub struct Events {
    customers: broadcast::Sender<CustomerEvent>,
    todos: broadcast::Sender<TodoEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            customers: broadcast::channel(CHANNEL_CAPACITY).0,
            todos: broadcast::channel(CHANNEL_CAPACITY).0,
        }
    }
}

impl Events {
    /// Publishes a customer change; having no subscribers is normal.
    pub fn customer(&self, kind: ChangeKind, customer_id: i32, customer: Option<&Customer>) {
        let _ = self.customers.send(CustomerEvent {
            kind,
            customer_id,
            customer: customer.cloned(),
        });
    }

    /// Publishes a todo change (`todo` is the row after the change, or the deleted row).
    pub fn todo(&self, kind: ChangeKind, todo: &Todo) {
        let _ = self.todos.send(TodoEvent {
            kind,
            todo_id: todo.id,
            customer_id: todo.customer_id,
            todo: (kind != ChangeKind::Deleted).then(|| todo.clone()),
        });
    }

    /// A new subscription to customer changes.
    pub fn subscribe_customers(&self) -> broadcast::Receiver<CustomerEvent> {
        self.customers.subscribe()
    }

    /// A new subscription to todo changes.
    pub fn subscribe_todos(&self) -> broadcast::Receiver<TodoEvent> {
        self.todos.subscribe()
    }
}
