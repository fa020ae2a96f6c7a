//! The arguments of the todo mutations.

use async_graphql::{InputObject, MaybeUndefined, Result};
use service::todo::{NewTodo, TodoPatch as ServicePatch};

use super::TodoStatus;
use crate::graphql::arguments::{nullable, required};

/// The fields of a new todo.
#[derive(Debug, InputObject)]
pub struct CreateTodoInput {
    /// What is to be done; must not be blank.
    pub task: String,
    /// Where it stands; `PENDING` if omitted.
    #[graphql(default_with = "TodoStatus::Pending")]
    pub status: TodoStatus,
    /// The number of an existing customer the todo is for.
    pub customer_id: Option<i32>,
}

impl From<CreateTodoInput> for NewTodo {
    fn from(input: CreateTodoInput) -> Self {
        Self {
            task: input.task,
            status: input.status.into(),
            customer_id: input.customer_id,
        }
    }
}

/// Changes to a todo: an omitted field is left as it is; `customerId: null` unlinks the
/// customer; `null` for `task` or `status` is refused.
#[derive(Debug, Default, InputObject)]
pub struct TodoPatch {
    /// New task; must not be blank or null.
    pub task: MaybeUndefined<String>,
    /// New status; not null.
    pub status: MaybeUndefined<TodoStatus>,
    /// New customer number, or null for none.
    pub customer_id: MaybeUndefined<i32>,
}

impl TodoPatch {
    /// The service's patch; `null` for `task` or `status` is refused here.
    pub(crate) fn into_service(self) -> Result<ServicePatch> {
        Ok(ServicePatch {
            task: required("task", self.task)?,
            status: required("status", self.status)?.map(Into::into),
            customer_id: nullable(self.customer_id),
        })
    }
}
