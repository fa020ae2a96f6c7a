//! Todos: the verbs over the `todos` table and the rules they enforce.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use entity::todo::{ActiveModel, Column, Entity};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, Iterable,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};

use crate::error::{BatchError, Error, Field, Invalid, Resource, Result};
use crate::paging::{ListParams, Page, PageRequest};
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

/// How many todos there are.
pub async fn count(db: &impl ConnectionTrait) -> Result<u64> {
    Ok(Entity::find().count(db).await?)
}

/// A keyset page of all todos by `id`.
pub async fn page(db: &impl ConnectionTrait, request: PageRequest) -> Result<Page<Todo>> {
    let mut pages = pages_of(db, None, request).await?;
    Ok(pages
        .remove(&None)
        .unwrap_or_else(|| request.cut(Vec::new(), false, false)))
}

/// One keyset page of todos for each of these customers, all read in one statement (a
/// window function numbers each customer's todos), for the GraphQL loaders.
pub async fn pages_for_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
    request: PageRequest,
) -> Result<HashMap<i32, Page<Todo>>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut pages = pages_of(db, Some(customer_ids), request).await?;
    Ok(customer_ids
        .iter()
        .map(|&id| {
            let page = pages
                .remove(&Some(id))
                .unwrap_or_else(|| request.cut(Vec::new(), false, false));
            (id, page)
        })
        .collect())
}

/// How many todos each of these customers has (customers with none are left out).
pub async fn count_for_customers(
    db: &impl ConnectionTrait,
    customer_ids: &[i32],
) -> Result<HashMap<i32, u64>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let counts: Vec<(i32, i64)> = Entity::find()
        .select_only()
        .column(Column::CustomerId)
        .column_as(Column::Id.count(), "count")
        .filter(Column::CustomerId.is_in(customer_ids.iter().copied()))
        .group_by(Column::CustomerId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or_default()))
        .collect())
}

/// Reads the page window for every group (`None` = all todos, else per customer).
async fn pages_of(
    db: &impl ConnectionTrait,
    customer_ids: Option<&[i32]>,
    request: PageRequest,
) -> Result<HashMap<Option<i32>, Page<Todo>>> {
    let from_end = request.first.is_none() && request.last.is_some();
    let size = request.first.or(request.last);
    let order = if from_end { "DESC" } else { "ASC" };
    let partition = if customer_ids.is_some() {
        "PARTITION BY customer_id "
    } else {
        ""
    };

    let mut window = Query::select();
    window
        .columns(Column::iter())
        .expr_as(
            Expr::cust(format!(
                "ROW_NUMBER() OVER ({partition}ORDER BY id {order})"
            )),
            Alias::new("page_row"),
        )
        .from(Entity);
    if let Some(ids) = customer_ids {
        window.and_where(Column::CustomerId.is_in(ids.iter().copied()));
    }
    if let Some(after) = request.after {
        window.and_where(Column::Id.gt(after));
    }
    if let Some(before) = request.before {
        window.and_where(Column::Id.lt(before));
    }
    let mut outer = Query::select();
    outer
        .columns(Column::iter())
        .from_subquery(window, Alias::new("window"));
    if customer_ids.is_some() {
        outer.order_by(Column::CustomerId, Order::Asc);
    }
    outer.order_by(Column::Id, Order::Asc);
    if let Some(size) = size {
        outer.and_where(Expr::col(Alias::new("page_row")).lte(size.saturating_add(1)));
    }
    let statement = db.get_database_backend().build(&outer);
    let rows = Todo::find_by_statement(statement).all(db).await?;

    let mut groups: HashMap<Option<i32>, Vec<Todo>> = HashMap::new();
    for row in rows {
        let key = customer_ids.map(|_| row.customer_id).unwrap_or(None);
        groups.entry(key).or_default().push(row);
    }
    let before_window = match request.after {
        Some(after) => groups_with(db, customer_ids, Column::Id.lte(after)).await?,
        None => HashSet::new(),
    };
    let after_window = match request.before {
        Some(before) => groups_with(db, customer_ids, Column::Id.gte(before)).await?,
        None => HashSet::new(),
    };
    let mut keys: HashSet<Option<i32>> = groups.keys().copied().collect();
    keys.extend(before_window.iter().copied());
    keys.extend(after_window.iter().copied());
    Ok(keys
        .into_iter()
        .map(|key| {
            let rows = groups.remove(&key).unwrap_or_default();
            let page = request.cut(
                rows,
                before_window.contains(&key),
                after_window.contains(&key),
            );
            (key, page)
        })
        .collect())
}

/// The groups that have at least one todo matching `condition`.
async fn groups_with(
    db: &impl ConnectionTrait,
    customer_ids: Option<&[i32]>,
    condition: sea_orm::sea_query::SimpleExpr,
) -> Result<HashSet<Option<i32>>> {
    match customer_ids {
        None => {
            let any = Entity::find()
                .select_only()
                .column(Column::Id)
                .filter(condition)
                .limit(1)
                .into_tuple::<i32>()
                .one(db)
                .await?;
            Ok(any.map(|_| None).into_iter().collect())
        }
        Some(ids) => {
            let found: Vec<Option<i32>> = Entity::find()
                .select_only()
                .column(Column::CustomerId)
                .filter(Column::CustomerId.is_in(ids.iter().copied()))
                .filter(condition)
                .group_by(Column::CustomerId)
                .into_tuple()
                .all(db)
                .await?;
            Ok(found.into_iter().collect())
        }
    }
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
