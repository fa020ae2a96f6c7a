//! What a caller may write to a todo, and the rules it must meet.

use super::TodoStatus;
use crate::error::Field;
use crate::patch::Patch;
use crate::rules;
use crate::valid::{Problems, Valid, Validate};

/// A todo to create or to replace one with, before its rules are checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTodo {
    /// Required, not blank.
    pub task: String,
    /// Defaults to `Pending` at the edges that allow leaving it out.
    pub status: TodoStatus,
    /// The customer the todo is for; must exist (the foreign key decides, when writing).
    pub customer_id: Option<i32>,
}

/// A partial update: fields left as [`Patch::Keep`] are not touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TodoPatch {
    /// New task (not blank).
    pub task: Patch<String>,
    /// New status.
    pub status: Patch<TodoStatus>,
    /// New customer, or `None` to unlink it.
    pub customer_id: Patch<Option<i32>>,
}

impl From<NewTodo> for TodoPatch {
    /// A full replace, as the REST `PUT` does.
    fn from(new: NewTodo) -> Self {
        Self {
            task: Patch::Set(new.task),
            status: Patch::Set(new.status),
            customer_id: Patch::Set(new.customer_id),
        }
    }
}

impl From<Valid<NewTodo>> for Valid<TodoPatch> {
    /// A checked todo is a checked full replace: the rules are the same.
    fn from(new: Valid<NewTodo>) -> Self {
        Valid::checked(new.into_inner().into())
    }
}

impl Validate for NewTodo {
    /// The task must not be blank; the customer is checked by the foreign key on write.
    fn validate(self) -> crate::Result<Valid<Self>> {
        let mut problems = Problems::default();
        let checked = Self {
            task: problems.check(rules::required_text(Field::Task, self.task)),
            ..self
        };
        problems.finish(checked)
    }
}

impl Validate for TodoPatch {
    /// A task being set must not be blank.
    fn validate(self) -> crate::Result<Valid<Self>> {
        let mut problems = Problems::default();
        let checked = Self {
            task: problems.check(
                self.task
                    .try_map(|task| rules::required_text(Field::Task, task)),
            ),
            ..self
        };
        problems.finish(checked)
    }
}
