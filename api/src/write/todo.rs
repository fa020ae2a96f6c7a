//! Todo writes: create, create many, update, delete, each with its event.

use service::todo::{self as todos, NewTodo, Todo, TodoPatch};
use service::{BatchError, Result, Valid};

use super::Writer;
use crate::events::ChangeKind;

impl Writer {
    /// Creates a todo and announces it.
    pub async fn create_todo(&self, new: Valid<NewTodo>) -> Result<Todo> {
        let todo = todos::create(&self.db, new).await?;
        self.events.todo(ChangeKind::Created, &todo);
        Ok(todo)
    }

    /// Creates every todo or none, and announces each once all are committed.
    pub async fn create_todos(&self, news: Vec<NewTodo>) -> Result<Vec<Todo>, BatchError> {
        let created = todos::create_many(&self.db, news).await?;
        for todo in &created {
            self.events.todo(ChangeKind::Created, todo);
        }
        Ok(created)
    }

    /// Changes a todo and announces it.
    pub async fn update_todo(&self, todo_id: i32, patch: Valid<TodoPatch>) -> Result<Todo> {
        let todo = todos::update(&self.db, todo_id, patch).await?;
        self.events.todo(ChangeKind::Updated, &todo);
        Ok(todo)
    }

    /// Deletes a todo, announces it, and returns the row as it was.
    pub async fn delete_todo(&self, todo_id: i32) -> Result<Todo> {
        let todo = todos::delete(&self.db, todo_id).await?;
        self.events.todo(ChangeKind::Deleted, &todo);
        Ok(todo)
    }
}
