//! Todos: the verbs over the `todos` table and the rules they enforce.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::todo::{ActiveModel, Column, Entity};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, Order, Query, SelectStatement, WindowStatement,
};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    Iterable, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};

use crate::error::{BatchError, Error, Field, Invalid, Resource, Result};
use crate::filter::{
    self, ChoiceFilter, ColumnCondition, EntityFilter, IntFilter, TextFilter, TimeFilter,
};
use crate::keyset::{self, Cursor, Plan, Sort, SortField, SortValue, ValueKind};
use crate::paging::{ListParams, ListQuery, Page};
use crate::patch::Patch;
use crate::validate;

pub use entity::todo::{Model as Todo, TodoStatus};

/// A todo to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewTodo {
    /// Required, not blank.
    pub task: String,
    /// Defaults to `Pending` at the edges that allow leaving it out.
    pub status: TodoStatus,
    /// The customer the todo is for; must exist.
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

/// Turns a foreign-key violation into "no such customer" for the id being written.
fn unknown_customer(customer_id: Option<i32>) -> impl FnOnce(&SqlErr) -> Option<Error> {
    move |error| match (error, customer_id) {
        (SqlErr::ForeignKeyConstraintViolation(_), Some(id)) => Some(Error::invalid(
            Field::CustomerId,
            Invalid::UnknownCustomer(id),
        )),
        _ => None,
    }
}

/// Checks a task against the rules (not blank, no NUL) and returns it as it would be stored.
pub fn validate_task(task: String) -> Result<String> {
    Ok(validate::required_text(Field::Task, task)?)
}

/// Creates a todo. An unknown `customer_id` is refused by the foreign key, not by a
/// look-up first, so a customer deleted at the same moment cannot slip through.
pub async fn create(db: &impl ConnectionTrait, new: NewTodo) -> Result<Todo> {
    let now = Utc::now();
    let row = ActiveModel {
        id: NotSet,
        task: Set(validate::required_text(Field::Task, new.task)?),
        status: Set(new.status),
        customer_id: Set(new.customer_id),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Entity::insert(row)
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, unknown_customer(new.customer_id)))
}

/// Creates every todo or none: one transaction, in order. The first failure (a blank task,
/// an unknown customer) names its item and rolls everything back.
pub async fn create_many(
    db: &DatabaseConnection,
    news: Vec<NewTodo>,
) -> Result<Vec<Todo>, BatchError> {
    let txn = db.begin().await.map_err(BatchError::whole)?;
    let mut created = Vec::with_capacity(news.len());
    for (index, new) in news.into_iter().enumerate() {
        created.push(create(&txn, new).await.map_err(BatchError::at(index))?);
    }
    txn.commit().await.map_err(BatchError::whole)?;
    Ok(created)
}

/// The todo with this id, if any.
pub async fn find(db: &impl ConnectionTrait, todo_id: i32) -> Result<Option<Todo>> {
    Ok(Entity::find_by_id(todo_id).one(db).await?)
}

/// The todos with these ids, in no particular order; missing ids are left out.
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Todo>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?)
}

/// Todos by `id`, the REST list.
pub async fn list(db: &impl ConnectionTrait, params: ListParams) -> Result<Vec<Todo>> {
    Ok(Entity::find()
        .order_by_asc(Column::Id)
        .offset((params.offset > 0).then_some(params.offset))
        // SQLite accepts OFFSET only after a LIMIT; "no limit" is the largest one.
        .limit(
            params
                .limit
                .or((params.offset > 0).then_some(i64::MAX.unsigned_abs())),
        )
        .all(db)
        .await?)
}

/// The fields todos can be listed in order of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TodoSort {
    /// `id`, the primary key.
    TodoId,
    /// `task`, by bytes.
    Task,
    /// `status`, by its stored string (`Completed` < `In Process` < `Pending`).
    Status,
    /// `customer_id`; todos without a customer sort last ascending, first descending.
    CustomerId,
    /// `created_at`.
    CreatedAt,
}

impl SortField for TodoSort {
    const KEY: Self = Self::TodoId;

    fn column(self) -> &'static str {
        match self {
            Self::TodoId => "id",
            Self::Task => "task",
            Self::Status => "status",
            Self::CustomerId => "customer_id",
            Self::CreatedAt => "created_at",
        }
    }

    fn kind(self) -> ValueKind {
        match self {
            Self::TodoId | Self::CustomerId => ValueKind::Int,
            Self::Task | Self::Status => ValueKind::Text,
            Self::CreatedAt => ValueKind::Time,
        }
    }

    fn nullable(self) -> bool {
        self == Self::CustomerId
    }
}

impl TodoSort {
    /// This field's value in `todo`, as a cursor holds it.
    pub fn value_of(self, todo: &Todo) -> SortValue {
        match self {
            Self::TodoId => SortValue::Int(todo.id.into()),
            Self::Task => SortValue::Text(todo.task.clone()),
            Self::Status => SortValue::Text(todo.status.as_str().to_owned()),
            Self::CustomerId => todo
                .customer_id
                .map_or(SortValue::Null, |id| SortValue::Int(id.into())),
            Self::CreatedAt => SortValue::time(todo.created_at),
        }
    }
}

/// The cursor of `todo` in a list sorted by `effective`, an order as
/// [`keyset::effective_order`] gives it.
pub fn cursor(effective: &[Sort<TodoSort>], todo: &Todo) -> Cursor {
    keyset::cursor_of(effective, |field| field.value_of(todo), todo.id)
}

/// Which todos a list holds: every field filter given must match, and `and`, `or` and
/// `not` combine whole filters. The default matches every todo.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TodoFilter {
    /// On `id`.
    pub todo_id: Option<IntFilter>,
    /// On `task`.
    pub task: Option<TextFilter>,
    /// On `status`.
    pub status: Option<ChoiceFilter<TodoStatus>>,
    /// On `customer_id`.
    pub customer_id: Option<IntFilter>,
    /// On `created_at`.
    pub created_at: Option<TimeFilter>,
    /// On `updated_at`.
    pub updated_at: Option<TimeFilter>,
    /// Every one of these must match too.
    pub and: Vec<TodoFilter>,
    /// At least one of these must match too (none given: nothing matches).
    pub or: Option<Vec<TodoFilter>>,
    /// This must not match.
    pub not: Option<Box<TodoFilter>>,
}

impl EntityFilter for TodoFilter {
    fn condition(&self, backend: DbBackend) -> Condition {
        let column = |column: Column| ColumnCondition::new(Expr::col(column), backend);
        let mut fields = Condition::all();
        for (name, filter) in [
            (Column::Id, &self.todo_id),
            (Column::CustomerId, &self.customer_id),
        ] {
            if let Some(filter) = filter {
                fields = fields.add(column(name).ordered(filter).finish());
            }
        }
        if let Some(filter) = &self.task {
            fields = fields.add(column(Column::Task).text(filter).finish());
        }
        if let Some(filter) = &self.status {
            fields = fields.add(
                column(Column::Status)
                    .choice(filter, TodoStatus::as_str)
                    .finish(),
            );
        }
        for (name, filter) in [
            (Column::CreatedAt, &self.created_at),
            (Column::UpdatedAt, &self.updated_at),
        ] {
            if let Some(filter) = filter {
                fields = fields.add(column(name).ordered(filter).finish());
            }
        }
        filter::combine(
            fields,
            &self.and,
            self.or.as_deref(),
            self.not.as_deref(),
            |filter| filter.condition(backend),
        )
    }
}

/// A connection's request over todos.
pub type TodoQuery = ListQuery<TodoFilter, TodoSort>;

/// A keyset page of the todos matching the filter, in the query's order.
pub async fn page(db: &impl ConnectionTrait, query: &TodoQuery) -> Result<Page<Todo>> {
    keyset::page::<Entity, _, _>(db, query).await
}

/// How many todos match the filter (`None`: all of them).
pub async fn count_matching(db: &impl ConnectionTrait, filter: Option<&TodoFilter>) -> Result<u64> {
    keyset::count::<Entity, _>(db, filter).await
}

/// One keyset page of todos for each of these customers, all read in one statement (a
/// window function numbers each customer's matching todos in the query's order), for the
/// GraphQL loaders.
pub async fn pages_for_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
    query: &TodoQuery,
) -> Result<HashMap<i32, Page<Todo>>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.get_database_backend();
    let plan = Plan::new(backend, &query.order, &query.page)?;
    let request = &query.page;
    let from_end = request.reads_from_end();
    let mut base = keyset::matching::<Entity>(backend, query.filter.as_ref());
    base.and_where(Column::CustomerId.is_in(customer_ids.iter().copied()));

    let mut numbering = WindowStatement::partition_by(Column::CustomerId);
    for (expr, order, nulls) in plan.order_by(from_end) {
        match nulls {
            Some(nulls) => numbering.order_by_expr_with_nulls(expr, order, nulls),
            None => numbering.order_by_expr(expr, order),
        };
    }
    let mut window = base.clone();
    window.cond_where(plan.window()).expr_window_as(
        Expr::cust("ROW_NUMBER()"),
        numbering,
        Alias::new("page_row"),
    );
    let mut outer = Query::select();
    outer
        .columns(Column::iter())
        .from_subquery(window, Alias::new("numbered"))
        .order_by(Column::CustomerId, Order::Asc)
        .order_by(Alias::new("page_row"), Order::Asc);
    if let Some(size) = request.size() {
        outer.and_where(Expr::col(Alias::new("page_row")).lte(size.saturating_add(1)));
    }
    let rows = Todo::find_by_statement(backend.build(&outer))
        .all(db)
        .await?;

    let mut groups: HashMap<i32, Vec<Todo>> = HashMap::new();
    for row in rows {
        if let Some(customer_id) = row.customer_id {
            groups.entry(customer_id).or_default().push(row);
        }
    }
    let before_window = match plan.before_window() {
        Some(condition) => groups_with(db, &base, condition).await?,
        None => HashSet::new(),
    };
    let after_window = match plan.after_window() {
        Some(condition) => groups_with(db, &base, condition).await?,
        None => HashSet::new(),
    };
    Ok(customer_ids
        .iter()
        .map(|&customer_id| {
            let mut rows = groups.remove(&customer_id).unwrap_or_default();
            if from_end {
                rows.reverse();
            }
            let page = request.cut(
                rows,
                before_window.contains(&customer_id),
                after_window.contains(&customer_id),
            );
            (customer_id, page)
        })
        .collect())
}

/// How many todos matching the filter each of these customers has (customers with none are
/// left out).
pub async fn count_for_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
    filter: Option<&TodoFilter>,
) -> Result<HashMap<i32, u64>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Entity::find()
        .select_only()
        .column(Column::CustomerId)
        .column_as(Column::Id.count(), "count")
        .filter(Column::CustomerId.is_in(customer_ids.iter().copied()));
    if let Some(filter) = filter {
        select = select.filter(filter.condition(db.get_database_backend()));
    }
    let counts: Vec<(i32, i64)> = select
        .group_by(Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or_default()))
        .collect())
}

/// The customers (of `base`'s) that have at least one todo of `base` meeting `condition`.
async fn groups_with(
    db: &impl ConnectionTrait,
    base: &SelectStatement,
    condition: Condition,
) -> Result<HashSet<i32>> {
    let mut probe = base.clone();
    probe
        .clear_selects()
        .column(Column::CustomerId)
        .cond_where(condition)
        .group_by_col(Column::CustomerId);
    let mut found = HashSet::new();
    for row in db.query_all(&probe).await? {
        found.insert(row.try_get_by_index::<i32>(0)?);
    }
    Ok(found)
}

/// Applies a patch in one `UPDATE … RETURNING` statement; [`Error::NotFound`] if the row is
/// gone, [`Error::Invalid`] if the new customer does not exist.
pub async fn update(db: &impl ConnectionTrait, todo_id: i32, patch: TodoPatch) -> Result<Todo> {
    let task = patch
        .task
        .try_map(|task| validate::required_text(Field::Task, task))?;
    let mut statement = Entity::update_many()
        .filter(Column::Id.eq(todo_id))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()));
    if let Patch::Set(task) = task {
        statement = statement.col_expr(Column::Task, Expr::value(task));
    }
    if let Patch::Set(status) = patch.status {
        statement = statement.col_expr(Column::Status, Expr::value(status.as_str()));
    }
    let written_customer = match patch.customer_id {
        Patch::Set(customer_id) => {
            statement = statement.col_expr(Column::CustomerId, Expr::value(customer_id));
            customer_id
        }
        Patch::Keep => None,
    };
    statement
        .exec_with_returning(db)
        .await
        .map_err(|error| Error::from_write(error, unknown_customer(written_customer)))?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Todo))
}

/// Deletes a todo for good and returns the row as it was.
pub async fn delete(db: &impl ConnectionTrait, todo_id: i32) -> Result<Todo> {
    Entity::delete_many()
        .filter(Column::Id.eq(todo_id))
        .exec_with_returning(db)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound(Resource::Todo))
}
