//! The todo mutations of the `Mutation` root; every write goes through [`Writer`].

use async_graphql::{Context, Object, Result};
use service::Validate;
use service::todo::NewTodo;

use super::Todo;
use super::input::{CreateTodoInput, TodoPatch};
use crate::graphql::arguments::check_batch_size;
use crate::graphql::error::{ServiceResultExt, from_batch};
use crate::graphql::viewer::viewer;
use crate::write::Writer;

/// Todo changes.
#[derive(Default)]
pub struct TodoMutation;

#[Object]
impl TodoMutation {
    /// Creates a todo. An unknown `customerId` is `BAD_USER_INPUT` on `customerId`.
    async fn create_todo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new todo's fields.")] input: CreateTodoInput,
    ) -> Result<Todo> {
        let new = NewTodo::from(input).validate().gql()?;
        let todo = ctx
            .data::<Writer>()?
            .create_todo(viewer(ctx)?, new)
            .await
            .gql()?;
        Ok(todo.into())
    }

    /// Creates several todos, all or none, in order. The first failure rolls back
    /// everything; its error's `extensions.index` is the position of the failing input.
    async fn create_todos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new todos' fields; at most the maximum page size.")] inputs: Vec<
            CreateTodoInput,
        >,
    ) -> Result<Vec<Todo>> {
        check_batch_size(ctx, inputs.len())?;
        let news = inputs.into_iter().map(NewTodo::from).collect();
        let created = ctx
            .data::<Writer>()?
            .create_todos(viewer(ctx)?, news)
            .await
            .map_err(|error| from_batch(&error))?;
        Ok(created.into_iter().map(Todo::from).collect())
    }

    /// Changes the given fields of a todo; `NOT_FOUND` if there is no such todo.
    async fn update_todo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The todo's number.")] todo_id: i32,
        #[graphql(desc = "The fields to change; omitted fields stay as they are.")]
        patch: TodoPatch,
    ) -> Result<Todo> {
        let patch = patch.into_service()?.validate().gql()?;
        let todo = ctx
            .data::<Writer>()?
            .update_todo(viewer(ctx)?, todo_id, patch)
            .await
            .gql()?;
        Ok(todo.into())
    }

    /// Deletes a todo and returns it as it was.
    async fn delete_todo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The todo's number.")] todo_id: i32,
    ) -> Result<Todo> {
        let todo = ctx
            .data::<Writer>()?
            .delete_todo(viewer(ctx)?, todo_id)
            .await
            .gql()?;
        Ok(todo.into())
    }
}
