//! Todo writes: create, create many, update, delete, each checked against the principal's
//! role first and announced once written.

use service::access::{self, Action};
use service::todo::{self as todos, NewTodo, Todo, TodoPatch};
use service::{BatchError, Principal, Result, Valid};

use super::Writer;
use crate::events::{Change, ChangeKind};

impl Writer {
    /// Creates a todo and announces it.
    pub async fn create_todo(&self, principal: Principal, new: Valid<NewTodo>) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        self.run(move |db| async move {
            let todo = todos::create(&db, principal, new).await?;
            let change = Change::todo(ChangeKind::Created, &todo);
            Ok((todo, vec![change]))
        })
        .await
    }

    /// Creates every todo or none, and announces each once all are committed.
    pub async fn create_todos(
        &self,
        principal: Principal,
        news: Vec<NewTodo>,
    ) -> Result<Vec<Todo>, BatchError> {
        access::authorize(principal, Action::WriteTodo).map_err(BatchError::of_whole)?;
        self.run(move |db| async move {
            let created = todos::create_many(&db, principal, news).await?;
            let changes = created
                .iter()
                .map(|todo| Change::todo(ChangeKind::Created, todo))
                .collect();
            Ok((created, changes))
        })
        .await
    }

    /// Changes a todo and announces it.
    pub async fn update_todo(
        &self,
        principal: Principal,
        todo_id: i32,
        patch: Valid<TodoPatch>,
    ) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        self.run(move |db| async move {
            let todo = todos::update(&db, principal, todo_id, patch).await?;
            let change = Change::todo(ChangeKind::Updated, &todo);
            Ok((todo, vec![change]))
        })
        .await
    }

    /// Deletes a todo, announces it, and returns the row as it was.
    pub async fn delete_todo(&self, principal: Principal, todo_id: i32) -> Result<Todo> {
        access::authorize(principal, Action::WriteTodo)?;
        self.run(move |db| async move {
            let todo = todos::delete(&db, principal, todo_id).await?;
            let change = Change::todo(ChangeKind::Deleted, &todo);
            Ok((todo, vec![change]))
        })
        .await
    }
}
