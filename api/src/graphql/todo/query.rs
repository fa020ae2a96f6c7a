//! The todo look-ups of the `Query` root.

use std::sync::Arc;

use crate::db::Db;
use async_graphql::{Context, Object, Result};
use service::todo as todos;

use super::Todo;
use super::list::{TodoConnection, TodoCount, TodoFilter, TodoOrderBy};
use crate::graphql::connection::PageArgs;
use crate::graphql::error::ServiceResultExt;
use crate::graphql::ids::NodeType;
use crate::graphql::viewer::viewer;

/// Todo look-ups.
#[derive(Default)]
pub struct TodoQuery;

#[Object]
impl TodoQuery {
    /// The todo with this number, or null if there is none.
    async fn todo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The todo's number (`todoId`).")] todo_id: i32,
    ) -> Result<Option<Todo>> {
        // A direct read: a root field has nothing to batch with.
        let db = ctx.data::<Db>()?;
        Ok(todos::find(db, viewer(ctx)?, todo_id)
            .await
            .gql()?
            .map(Todo::from))
    }

    /// Todos, a page at a time, in `todoId` order unless `orderBy` says otherwise.
    #[graphql(complexity = "crate::graphql::connection_cost(first, last, child_complexity)")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per Relay and list option"
    )]
    async fn todos(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Return at most this many todos from the start (after `after`).")]
        first: Option<i32>,
        #[graphql(desc = "Return only todos after this cursor.")] after: Option<String>,
        #[graphql(desc = "Return at most this many todos from the end (before `before`).")]
        last: Option<i32>,
        #[graphql(desc = "Return only todos before this cursor.")] before: Option<String>,
        #[graphql(desc = "Return only todos that match.")] filter: Option<TodoFilter>,
        #[graphql(
            desc = "Sort by these fields, most significant first; the todo's number \
                          breaks ties. Cursors are only valid under the order they came from."
        )]
        order_by: Option<Vec<TodoOrderBy>>,
    ) -> Result<TodoConnection> {
        let query: todos::TodoPageQuery = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_query(ctx, NodeType::Todo, filter, order_by)?;
        let db = ctx.data::<Db>()?;
        let page = todos::page(db, viewer(ctx)?, &query).await.gql()?;
        Ok(TodoConnection::new(
            page,
            TodoCount::All(query.filter.map(Arc::new)),
            &query.order,
        ))
    }
}
