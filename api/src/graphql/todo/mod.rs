//! The `Todo` type and `TodoStatus` enum, with their queries and mutations.

mod input;
mod list;
mod mutation;
mod query;

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::{DateTime, Utc};
use service::todo as todos;

use super::customer::Customer;
use super::error::ServiceResultExt;
use super::ids::{NodeType, encode_node_id};
use super::loader::Loaders;
use super::viewer::viewer;

pub use list::{TodoConnection, TodoCount, TodoFilter, TodoOrderBy};
pub use mutation::TodoMutation;
pub use query::TodoQuery;

/// Where a todo stands. Stored as the todo seed's strings `Pending`, `Completed` and
/// `In Process`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum TodoStatus {
    /// Not started (stored as `Pending`); the default.
    Pending,
    /// Done (stored as `Completed`).
    Completed,
    /// Started, not done (stored as `In Process`).
    InProcess,
}

impl From<todos::TodoStatus> for TodoStatus {
    fn from(status: todos::TodoStatus) -> Self {
        match status {
            todos::TodoStatus::Pending => Self::Pending,
            todos::TodoStatus::Completed => Self::Completed,
            todos::TodoStatus::InProcess => Self::InProcess,
        }
    }
}

impl From<TodoStatus> for todos::TodoStatus {
    fn from(status: TodoStatus) -> Self {
        match status {
            TodoStatus::Pending => Self::Pending,
            TodoStatus::Completed => Self::Completed,
            TodoStatus::InProcess => Self::InProcess,
        }
    }
}

/// Something to do, optionally for a customer.
#[derive(Clone, Debug)]
pub struct Todo {
    pub(crate) model: todos::Todo,
}

impl From<todos::Todo> for Todo {
    fn from(model: todos::Todo) -> Self {
        Self { model }
    }
}

/// Something to do, optionally for a customer.
#[Object]
impl Todo {
    /// Globally unique, opaque id (Relay `Node`); use `todoId` for the number.
    pub async fn id(&self) -> ID {
        ID(encode_node_id(NodeType::Todo, self.model.id))
    }

    /// The todo's number, as the REST routes use it (`id` there).
    async fn todo_id(&self) -> i32 {
        self.model.id
    }

    /// What is to be done; never blank.
    async fn task(&self) -> &str {
        &self.model.task
    }

    /// Where the todo stands.
    async fn status(&self) -> TodoStatus {
        self.model.status.into()
    }

    /// The number of the customer the todo is for, if any.
    async fn customer_id(&self) -> Option<i32> {
        self.model.customer_id
    }

    /// The customer the todo is for, if any. Read in one batch for all todos of a page.
    async fn customer(&self, ctx: &Context<'_>) -> Result<Option<Customer>> {
        let Some(customer_id) = self.model.customer_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Loaders>()?
            .customers
            .load_one((viewer(ctx)?, customer_id))
            .await
            .gql()?
            .map(Customer::from))
    }

    /// When the todo was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When the todo was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }
}
