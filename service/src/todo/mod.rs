//! Todos: the verbs over the `todos` table and the rules they enforce.

mod by_customer;
mod input;
mod query;

use entity::todo::{ActiveModel, Column, Entity};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, SqlErr, TransactionTrait,
};

use crate::error::{BatchError, Error, Field, Invalid, Resource, Result};
use crate::paging::ListParams;
use crate::patch::Patch;
use crate::valid::{Valid, Validate};
use crate::{clock, table};

pub use by_customer::{count_for_customers, pages_for_customers};
pub use entity::todo::{Model as Todo, TodoStatus};
pub use input::{NewTodo, TodoPatch};
pub use query::{TodoFilter, TodoPageQuery, TodoSort, count_matching, cursor, page};

/// Turns a foreign-key violation into "no such customer" for the id being written.
fn unknown_customer(customer_id: Option<i32>) -> impl FnOnce(&SqlErr) -> Option<Error> {
    move |error| match (error, customer_id) {
        (SqlErr::ForeignKeyConstraintViolation(_), Some(id)) => Some(Error::invalid(
            Field::CustomerId,
            Invalid::UnknownCustomer(id.into()),
        )),
        _ => None,
    }
}

/// Creates a todo. An unknown `customer_id` is refused by the foreign key, not by a
/// look-up first, so a customer deleted at the same moment cannot slip through.
pub async fn create(db: &impl ConnectionTrait, new: Valid<NewTodo>) -> Result<Todo> {
    let new = new.into_inner();
    let now = clock::now();
    let row = ActiveModel {
        id: NotSet,
        task: Set(new.task),
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

/// Creates every todo or none: one transaction (a savepoint inside `db`'s, if it is one),
/// in order. The first failure (a blank task, an unknown customer) names its item and rolls
/// everything back.
pub async fn create_many(
    db: &impl TransactionTrait,
    news: Vec<NewTodo>,
) -> Result<Vec<Todo>, BatchError> {
    table::create_many(db, news, async |txn, new| {
        create(txn, new.validate()?).await
    })
    .await
}

/// The todo with this id, if any.
pub async fn find(db: &impl ConnectionTrait, todo_id: i32) -> Result<Option<Todo>> {
    Ok(Entity::find_by_id(todo_id).one(db).await?)
}

/// The todos with these ids, in no particular order; missing ids are left out.
pub async fn find_many(db: &impl ConnectionTrait, ids: &[i32]) -> Result<Vec<Todo>> {
    table::find_many::<Entity>(db, Column::Id, ids).await
}

/// Todos by `id`, the REST list.
pub async fn list(db: &impl ConnectionTrait, params: ListParams) -> Result<Vec<Todo>> {
    table::list::<Entity>(db, Column::Id, params).await
}

/// Applies a checked patch in one `UPDATE … RETURNING` statement; [`Error::NotFound`] if
/// the row is gone, [`Error::Invalid`] if the new customer does not exist.
pub async fn update(
    db: &impl ConnectionTrait,
    todo_id: i32,
    patch: Valid<TodoPatch>,
) -> Result<Todo> {
    let patch = patch.into_inner();
    let mut statement = Entity::update_many()
        .filter(Column::Id.eq(todo_id))
        .col_expr(Column::UpdatedAt, Expr::value(clock::now()));
    if let Patch::Set(task) = patch.task {
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
