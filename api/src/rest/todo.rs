//! `/api/v1/todos`: the todo seed's routes, answering exactly as it did, plus the optional
//! `customer_id` link.

use crate::db::Db;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use service::todo::{self as todos, NewTodo, Todo, TodoStatus};
use service::{Field, Invalid, Valid, Validate};
use std::time::Duration;
use utoipa::ToSchema;

use super::error::{Detail, RestError, ValidationErrorBody};
use super::extract::{BodyReader, JsonObject, LimitOffset, PathId, both};
use super::stream::json_array;
use crate::auth::Viewer;
use crate::state::AppState;
use crate::write::Writer;

/// The todo routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/todos", get(list).post(create))
        .route(
            "/api/v1/todos/{todo_id}",
            get(read).put(replace).delete(remove),
        )
}

/// The seed's three status strings.
#[derive(Debug, Serialize, ToSchema)]
pub enum StatusJson {
    /// Not started; the default.
    Pending,
    /// Done.
    Completed,
    /// Started, not done.
    #[serde(rename = "In Process")]
    InProcess,
}

/// A todo as the seed's clients know it, plus the customer it is for.
#[derive(Debug, Serialize, ToSchema)]
pub struct TodoJson {
    /// The todo's number.
    id: i32,
    /// What is to be done.
    task: String,
    /// `Pending`, `Completed` or `In Process`.
    #[schema(value_type = StatusJson)]
    status: TodoStatus,
    /// The customer the todo is for, or null.
    customer_id: Option<i32>,
}

impl From<Todo> for TodoJson {
    fn from(todo: Todo) -> Self {
        Self {
            id: todo.id,
            task: todo.task,
            status: todo.status,
            customer_id: todo.customer_id,
        }
    }
}

/// The body of `POST` and `PUT` (the seed's `TodoCreate`, plus `customer_id`).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the body that BodyReader parses")]
pub struct TodoBody {
    /// What is to be done; must not be blank.
    task: String,
    /// Defaults to `Pending`; may be left out, but not null.
    #[schema(value_type = StatusJson, required = false, default = "Pending")]
    status: Option<String>,
    /// An existing customer's number, or null.
    customer_id: Option<i32>,
}

/// Reads and checks the body: every problem is listed at once, the service's rules with the
/// type problems, in the seed model's field order.
fn parse(json: &JsonObject) -> Result<Valid<NewTodo>, RestError> {
    let mut body = BodyReader::new(&json.0);
    let task = body.required_string("task");
    let status = body.status("status");
    let customer_id = body.optional_integer("customer_id");
    let key = customer_id.map(i32::try_from);
    let new = NewTodo {
        task,
        status,
        customer_id: key.and_then(Result::ok),
    };
    let new = match new.validate() {
        Ok(new) => body.finish(new)?,
        Err(error) => {
            body.add_service_problems(service_error(error, Some(json)), &FIELD_ORDER)?;
            return Err(body.into_error());
        }
    };
    // No customer can have an id outside the key's range: once the rest is valid, the same
    // 422 as for an id that names nobody (which the foreign key finds), from the same
    // mapping.
    if let (Some(Err(_)), Some(id)) = (key, customer_id) {
        let unknown = service::Error::invalid(Field::CustomerId, Invalid::UnknownCustomer(id));
        return Err(service_error(unknown, Some(json)));
    }
    Ok(new)
}

/// The seed model's field order, in which its 422 lists problems.
const FIELD_ORDER: [&str; 3] = ["task", "status", "customer_id"];

const NOT_FOUND: &str = "Todo not found";

/// This router's mapping of a service error: its 404 message, and the body's fields (if
/// any) echoed in a 422.
fn service_error(error: service::Error, body: Option<&JsonObject>) -> RestError {
    RestError::from_service(error, || NOT_FOUND.to_owned(), body.map(|body| &body.0))
}

/// All todos by `id`; `limit`/`offset` page through them.
#[utoipa::path(
    get, path = "/api/v1/todos", tag = "todo",
    params(
        ("limit" = Option<u64>, Query, minimum = 0, description = "At most this many todos (default: all)."),
        ("offset" = Option<u64>, Query, minimum = 0, description = "Skip this many todos first."),
    ),
    responses(
        (status = 200, description = "The todos", body = [TodoJson]),
        (status = 422, description = "A bad `limit` or `offset`", body = ValidationErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    LimitOffset(params): LimitOffset,
) -> Result<Response, RestError> {
    let stall = Duration::from_secs(state.config.request_timeout_secs);
    json_array(
        state.db,
        todos::listing(viewer, params),
        TodoJson::from,
        stall,
    )
    .await
    .map_err(|error| service_error(error, None))
}

/// One todo.
#[utoipa::path(
    get, path = "/api/v1/todos/{todo_id}", tag = "todo",
    params(("todo_id" = i64, Path, description = "The todo's number.")),
    responses(
        (status = 200, description = "The todo", body = TodoJson),
        (status = 404, description = "`Todo not found`", body = Detail),
        (status = 422, description = "The id is not an integer", body = ValidationErrorBody),
    )
)]
async fn read(
    State(db): State<Db>,
    Viewer(viewer): Viewer,
    id: PathId,
) -> Result<Json<TodoJson>, RestError> {
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(NOT_FOUND.into()));
    };
    match todos::find(&db, viewer, key).await {
        Ok(Some(todo)) => Ok(Json(todo.into())),
        Ok(None) => Err(RestError::NotFound(NOT_FOUND.into())),
        Err(error) => Err(service_error(error, None)),
    }
}

/// Creates a todo (200, as the seed's FastAPI default).
#[utoipa::path(
    post, path = "/api/v1/todos", tag = "todo",
    request_body = TodoBody,
    responses(
        (status = 200, description = "The new todo", body = TodoJson),
        (status = 422, description = "The body is not a valid todo, or names no customer", body = ValidationErrorBody),
    )
)]
async fn create(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    body: JsonObject,
) -> Result<Json<TodoJson>, RestError> {
    let new = parse(&body)?;
    let todo = writer
        .create_todo(viewer, new)
        .await
        .map_err(|error| service_error(error, Some(&body)))?;
    Ok(Json(todo.into()))
}

/// Replaces `task`, `status` and `customer_id` of a todo.
#[utoipa::path(
    put, path = "/api/v1/todos/{todo_id}", tag = "todo",
    params(("todo_id" = i64, Path, description = "The todo's number.")),
    request_body = TodoBody,
    responses(
        (status = 200, description = "The todo as stored", body = TodoJson),
        (status = 404, description = "`Todo not found`", body = Detail),
        (status = 422, description = "The id is not an integer, or the body is not a valid todo", body = ValidationErrorBody),
    )
)]
async fn replace(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    id: Result<PathId, RestError>,
    body: Result<JsonObject, RestError>,
) -> Result<Json<TodoJson>, RestError> {
    let parsed = body.and_then(|body| parse(&body).map(|new| (body, new)));
    let (id, (body, new)) = both(id, parsed)?;
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(NOT_FOUND.into()));
    };
    let todo = writer
        .update_todo(viewer, key, new.into())
        .await
        .map_err(|error| service_error(error, Some(&body)))?;
    Ok(Json(todo.into()))
}

/// Deletes a todo and returns it as it was.
#[utoipa::path(
    delete, path = "/api/v1/todos/{todo_id}", tag = "todo",
    params(("todo_id" = i64, Path, description = "The todo's number.")),
    responses(
        (status = 200, description = "The deleted todo", body = TodoJson),
        (status = 404, description = "`Todo not found`", body = Detail),
        (status = 422, description = "The id is not an integer", body = ValidationErrorBody),
    )
)]
async fn remove(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    id: PathId,
) -> Result<Json<TodoJson>, RestError> {
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(NOT_FOUND.into()));
    };
    let todo = writer
        .delete_todo(viewer, key)
        .await
        .map_err(|error| service_error(error, None))?;
    Ok(Json(todo.into()))
}

/// The OpenAPI description of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, read, create, replace, remove),
    components(schemas(TodoJson, TodoBody, StatusJson, Detail, ValidationErrorBody))
)]
pub struct TodoApi;
