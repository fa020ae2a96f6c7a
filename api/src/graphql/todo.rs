//! The `Todo` type and `TodoStatus` enum, with their queries and mutations.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use service::todo::{self as todos, NewTodo, TodoPatch as ServicePatch};

use super::connection::{CountOf, PageArgs, TodoConnection};
use super::customer::{Customer, check_batch_size, nullable, required};
use super::error::{ServiceResultExt, from_batch};
use super::filter::TodoFilter;
use super::ids::{NodeType, encode_node_id};
use super::loader::Loaders;
use super::order::TodoOrderBy;
use crate::events::{ChangeKind, Events};

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
            .load_one(customer_id)
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
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(todos::find(db, todo_id).await.gql()?.map(Todo::from))
    }

    /// Todos, a page at a time, in `todoId` order unless `orderBy` says otherwise.
    #[graphql(complexity = "super::connection_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
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
        let query: todos::TodoQuery = PageArgs {
            first,
            after,
            last,
            before,
        }
        .into_query(ctx, NodeType::Todo, filter, order_by)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let page = todos::page(db, &query).await.gql()?;
        Ok(TodoConnection::new(
            page,
            CountOf::Todos(query.filter.map(std::sync::Arc::new)),
            &query.order,
        ))
    }
}

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
        let db = ctx.data::<DatabaseConnection>()?;
        let todo = todos::create(db, input.into()).await.gql()?;
        ctx.data::<Events>()?.todo(ChangeKind::Created, &todo);
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
        let db = ctx.data::<DatabaseConnection>()?;
        let news = inputs.into_iter().map(NewTodo::from).collect();
        let created = todos::create_many(db, news)
            .await
            .map_err(|error| from_batch(&error))?;
        let events = ctx.data::<Events>()?;
        for todo in &created {
            events.todo(ChangeKind::Created, todo);
        }
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
        let db = ctx.data::<DatabaseConnection>()?;
        let patch = ServicePatch {
            task: required("task", patch.task)?,
            status: required("status", patch.status)?
                .try_map(|status| Ok::<_, async_graphql::Error>(todos::TodoStatus::from(status)))?,
            customer_id: nullable(patch.customer_id),
        };
        let todo = todos::update(db, todo_id, patch).await.gql()?;
        ctx.data::<Events>()?.todo(ChangeKind::Updated, &todo);
        Ok(todo.into())
    }

    /// Deletes a todo and returns it as it was.
    async fn delete_todo(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The todo's number.")] todo_id: i32,
    ) -> Result<Todo> {
        let db = ctx.data::<DatabaseConnection>()?;
        let todo = todos::delete(db, todo_id).await.gql()?;
        ctx.data::<Events>()?.todo(ChangeKind::Deleted, &todo);
        Ok(todo.into())
    }
}
