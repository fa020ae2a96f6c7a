//! Todo writes: create, create many, update, delete, each checked against the principal's
//! role first and announced after.

use service::access::{self, Action};
use service::todo::{self as todos, NewTodo, Todo, TodoPatch};
use service::{BatchError, Principal, Result, Valid};

use super::Writer;
use crate::events::ChangeKind;

impl Writer {
    /// Creates a todo and announces it.
    pub async fn create_todo(&self, principal: Principal, new: Valid<NewTodo>) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        let todo = todos::create(&self.db, principal, new).await?;
        self.events.todo(ChangeKind::Created, &todo);
        Ok(todo)
    }

    /// Creates every todo or none, and announces each once all are committed.
    pub async fn create_todos(
        &self,
        principal: Principal,
        news: Vec<NewTodo>,
    ) -> Result<Vec<Todo>, BatchError> {
        access::authorize(principal, Action::WriteTodo).map_err(BatchError::of_whole)?;
        let created = todos::create_many(&self.db, principal, news).await?;
        for todo in &created {
            self.events.todo(ChangeKind::Created, todo);
        }
        Ok(created)
    }

    /// Changes a todo and announces it.
    pub async fn update_todo(
        &self,
        principal: Principal,
        todo_id: i32,
        patch: Valid<TodoPatch>,
    ) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        let todo = todos::update(&self.db, principal, todo_id, patch).await?;
        self.events.todo(ChangeKind::Updated, &todo);
        Ok(todo)
    }

    /// Deletes a todo, announces it, and returns the row as it was.
    pub async fn delete_todo(&self, principal: Principal, todo_id: i32) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        let todo = todos::delete(&self.db, principal, todo_id).await?;
        self.events.todo(ChangeKind::Deleted, &todo);
        Ok(todo)
    }
}
