//! `/v1/customers`: the customer seed's routes, answering exactly as it did.

use crate::db::Db;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use service::customer::{self as customers, Customer, NewCustomer};
use service::{Valid, Validate};
use std::time::Duration;
use utoipa::ToSchema;

use super::error::{Detail, RestError, ValidationErrorBody};
use super::extract::{BodyReader, JsonObject, LimitOffset, PathId, both};
use super::stream::json_array;
use crate::auth::Viewer;
use crate::state::AppState;
use crate::write::Writer;

/// The customer routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/customers", get(list).post(create))
        .route(
            "/v1/customers/{customer_id}",
            get(read).put(replace).delete(remove),
        )
}

/// A customer as the seed's clients know it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerJson {
    /// The customer's number.
    customer_id: i32,
    /// Given name.
    first_name: String,
    /// Middle name, or null.
    middle_name: Option<String>,
    /// Family name.
    last_name: String,
    /// Name suffix, or null.
    suffix: Option<String>,
    /// Email address; the domain is stored lower-cased.
    #[schema(format = "email")]
    email: String,
    /// Phone number, or null.
    phone: Option<String>,
}

impl From<Customer> for CustomerJson {
    fn from(customer: Customer) -> Self {
        Self {
            customer_id: customer.customer_id,
            first_name: customer.first_name,
            middle_name: customer.middle_name,
            last_name: customer.last_name,
            suffix: customer.suffix,
            email: customer.email,
            phone: customer.phone,
        }
    }
}

/// The body of `POST` and `PUT` (the seed's `Customer` model).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "documents the body that BodyReader parses")]
pub struct CustomerBody {
    /// Must be absent or null on `POST`; on `PUT`, absent, null or the path's id.
    customer_id: Option<i32>,
    /// Given name; must not be blank.
    first_name: String,
    /// Middle name.
    middle_name: Option<String>,
    /// Family name; must not be blank.
    last_name: String,
    /// Name suffix.
    suffix: Option<String>,
    /// A valid email address no other customer has.
    #[schema(format = "email")]
    email: String,
    /// Phone number.
    phone: Option<String>,
}

/// The body, read and checked: the customer's fields and the `customer_id` it carried, if
/// any.
struct ParsedBody {
    new: Valid<NewCustomer>,
    customer_id: Option<i64>,
}

fn parse(json: &JsonObject) -> Result<ParsedBody, RestError> {
    let mut body = BodyReader::new(&json.0);
    let customer_id = body.optional_integer("customer_id");
    let new = NewCustomer {
        first_name: body.required_string("first_name"),
        middle_name: body.optional_string("middle_name"),
        last_name: body.required_string("last_name"),
        suffix: body.optional_string("suffix"),
        email: body.required_string("email"),
        phone: body.optional_string("phone"),
    };
    // The seed's model checks every field (the email too) before its routes look at ids,
    // and lists every problem: the service's rules join the type problems, for the fields
    // that were of the right type.
    match new.validate() {
        Ok(new) => body.finish(ParsedBody { new, customer_id }),
        Err(error) => {
            body.add_service_problems(service_error(error, None, Some(json)), &FIELD_ORDER)?;
            Err(body.into_error())
        }
    }
}

/// The seed model's field order, in which its 422 lists problems.
const FIELD_ORDER: [&str; 7] = [
    "customer_id",
    "first_name",
    "middle_name",
    "last_name",
    "suffix",
    "email",
    "phone",
];

fn not_found(id: PathId) -> String {
    format!("Customer not found for customer_id[{}]", id.shown())
}

/// This router's mapping of a service error: its 404 message, and the body's fields (if
/// any) echoed in a 422.
fn service_error(
    error: service::Error,
    id: Option<PathId>,
    body: Option<&JsonObject>,
) -> RestError {
    RestError::from_service(
        error,
        || id.map(not_found).unwrap_or_default(),
        body.map(|body| &body.0),
    )
}

/// All customers by `customer_id`; `limit`/`offset` page through them.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customer",
    params(
        ("limit" = Option<u64>, Query, minimum = 0, description = "At most this many customers (default: all)."),
        ("offset" = Option<u64>, Query, minimum = 0, description = "Skip this many customers first."),
    ),
    responses(
        (status = 200, description = "The customers", body = [CustomerJson]),
        (status = 422, description = "A bad `limit` or `offset`", body = ValidationErrorBody),
    )
)]
async fn list(
    State(state): State<AppState>,
    Viewer(viewer): Viewer,
    LimitOffset(params): LimitOffset,
) -> Result<Response, RestError> {
    let stall = Duration::from_secs(state.config.request_timeout_secs);
    let rows = customers::listing(viewer, params);
    json_array(state.db, rows, CustomerJson::from, stall)
        .await
        .map_err(|error| service_error(error, None, None))
}

/// One customer.
#[utoipa::path(
    get, path = "/v1/customers/{customer_id}", tag = "customer",
    params(("customer_id" = i64, Path, description = "The customer's number.")),
    responses(
        (status = 200, description = "The customer", body = CustomerJson),
        (status = 404, description = "`Customer not found for customer_id[N]`", body = Detail),
        (status = 422, description = "The id is not an integer", body = ValidationErrorBody),
    )
)]
async fn read(
    State(db): State<Db>,
    Viewer(viewer): Viewer,
    id: PathId,
) -> Result<Json<CustomerJson>, RestError> {
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(not_found(id)));
    };
    match customers::find(&db, viewer, key).await {
        Ok(Some(customer)) => Ok(Json(customer.into())),
        Ok(None) => Err(RestError::NotFound(not_found(id))),
        Err(error) => Err(service_error(error, Some(id), None)),
    }
}

/// Creates a customer.
#[utoipa::path(
    post, path = "/v1/customers", tag = "customer",
    request_body = CustomerBody,
    responses(
        (status = 201, description = "The new customer", body = CustomerJson),
        (status = 400, description = "`Customer object cannot contain customer_id[N]` or `Customer already exists for email[E]`", body = Detail),
        (status = 422, description = "The body is not a valid customer", body = ValidationErrorBody),
    )
)]
async fn create(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    body: JsonObject,
) -> Result<(StatusCode, Json<CustomerJson>), RestError> {
    let parsed = parse(&body)?;
    if let Some(customer_id) = parsed.customer_id {
        return Err(RestError::BadRequest(format!(
            "Customer object cannot contain customer_id[{customer_id}]"
        )));
    }
    let customer = writer
        .create_customer(viewer, parsed.new)
        .await
        .map_err(|error| service_error(error, None, Some(&body)))?;
    Ok((StatusCode::CREATED, Json(customer.into())))
}

/// Replaces every field of a customer.
#[utoipa::path(
    put, path = "/v1/customers/{customer_id}", tag = "customer",
    params(("customer_id" = i64, Path, description = "The customer's number.")),
    request_body = CustomerBody,
    responses(
        (status = 200, description = "The customer as stored", body = CustomerJson),
        (status = 400, description = "`Customer object cannot contain customer_id[N]` (another id in the body) or `Customer already exists for email[E]`", body = Detail),
        (status = 404, description = "`Customer not found for customer_id[N]`", body = Detail),
        (status = 422, description = "The id is not an integer, or the body is not a valid customer", body = ValidationErrorBody),
    )
)]
async fn replace(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    id: Result<PathId, RestError>,
    body: Result<JsonObject, RestError>,
) -> Result<Json<CustomerJson>, RestError> {
    let parsed = body.and_then(|body| parse(&body).map(|parsed| (body, parsed)));
    let (id, (body, parsed)) = both(id, parsed)?;
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(not_found(id)));
    };
    if let Some(customer_id) = parsed
        .customer_id
        .filter(|&body_id| body_id != i64::from(key))
    {
        return Err(RestError::BadRequest(format!(
            "Customer object cannot contain customer_id[{customer_id}]"
        )));
    }
    let customer = writer
        .update_customer(viewer, key, parsed.new.into())
        .await
        .map_err(|error| service_error(error, Some(id), Some(&body)))?;
    Ok(Json(customer.into()))
}

/// Deletes a customer for good; its todos stay, with no customer.
#[utoipa::path(
    delete, path = "/v1/customers/{customer_id}", tag = "customer",
    params(("customer_id" = i64, Path, description = "The customer's number.")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "`Customer not found for customer_id[N]`", body = Detail),
        (status = 422, description = "The id is not an integer", body = ValidationErrorBody),
    )
)]
async fn remove(
    State(writer): State<Writer>,
    Viewer(viewer): Viewer,
    id: PathId,
) -> Result<StatusCode, RestError> {
    let PathId::Key(key) = id else {
        return Err(RestError::NotFound(not_found(id)));
    };
    writer
        .delete_customer(viewer, key)
        .await
        .map_err(|error| service_error(error, Some(id), None))?;
    Ok(StatusCode::NO_CONTENT)
}

/// The OpenAPI description of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, read, create, replace, remove),
    components(schemas(CustomerJson, CustomerBody, Detail, ValidationErrorBody))
)]
pub struct CustomerApi;
