//! REST errors in the FastAPI services' shapes: `{"detail": "…"}` for 400/404 and
//! `{"detail": [{type, loc, msg, input, ctx?}]}` for 422. Service errors are mapped here once.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use service::{Error as ServiceError, Invalid, Violation};
use utoipa::ToSchema;

use crate::metrics::Rejection;

/// One element of a 422 body's `loc`: a name, or a position in a list or in the JSON text.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum LocItem {
    /// `body`, `path`, `query` or a field name.
    Name(String),
    /// A list index or character offset.
    Index(u64),
}

impl From<&str> for LocItem {
    fn from(name: &str) -> Self {
        Self::Name(name.to_owned())
    }
}

/// One problem with a request, as pydantic describes it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct ValidationIssue {
    /// Machine-readable kind, e.g. `missing`, `string_type`, `int_parsing`, `value_error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where the problem is: `["body", "email"]`, `["path", "customer_id"]`, …
    pub loc: Vec<LocItem>,
    /// Human-readable explanation.
    pub msg: String,
    /// The offending input.
    pub input: Value,
    /// Extra facts about the problem, when pydantic gives some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

impl ValidationIssue {
    /// A problem at `loc` with no `ctx`.
    pub fn new(kind: &str, loc: &[&str], msg: impl Into<String>, input: Value) -> Self {
        Self {
            kind: kind.to_owned(),
            loc: loc.iter().map(|&part| part.into()).collect(),
            msg: msg.into(),
            input,
            ctx: None,
        }
    }

    /// Adds pydantic's `ctx` object.
    pub fn with_ctx(mut self, ctx: Value) -> Self {
        self.ctx = Some(ctx);
        self
    }
}

/// The body of a 400 or 404 (FastAPI's `HTTPException`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Detail {
    /// What went wrong, e.g. `Customer not found for customer_id[7]`.
    #[schema(example = "Customer not found for customer_id[7]")]
    pub detail: String,
}

/// The body of a 422 (FastAPI's `HTTPValidationError`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationErrorBody {
    /// One entry per problem.
    pub detail: Vec<ValidationIssue>,
}

/// Every way a REST call can fail, each with its status.
#[derive(Debug, thiserror::Error)]
pub enum RestError {
    /// 404 with the route's message.
    #[error("{0}")]
    NotFound(String),
    /// 400 with the seed's message (customer id in body, email taken).
    #[error("{0}")]
    BadRequest(String),
    /// 401: no token, or a bad one (the middleware adds `WWW-Authenticate`).
    #[error("not authenticated")]
    Unauthenticated(crate::auth::Refusal),
    /// 403: the principal's role lacks the right for this operation.
    #[error("not enough permissions")]
    Forbidden,
    /// 422: the request does not fit the route's schema or rules.
    #[error("invalid request")]
    Validation(Vec<ValidationIssue>),
    /// 503: the database is unreachable or saturated.
    #[error("service unavailable")]
    Unavailable,
    /// 500: logged with an id that the client also gets; nothing else leaves.
    #[error("internal error {0}")]
    Internal(String),
}

impl RestError {
    /// A 422 with a single problem.
    pub fn invalid(issue: ValidationIssue) -> Self {
        Self::Validation(vec![issue])
    }

    /// Maps a service error; `not_found` is the route's 404 message and `body` the request
    /// body, if any, whose field values a 422 echoes as `input`.
    pub fn from_service(
        error: ServiceError,
        not_found: impl FnOnce() -> String,
        body: Option<&Map<String, Value>>,
    ) -> Self {
        let input = |field: &str| {
            body.and_then(|body| body.get(field))
                .cloned()
                .unwrap_or_default()
        };
        match error {
            ServiceError::NotFound(_) => Self::NotFound(not_found()),
            ServiceError::Conflict { value, .. } => {
                Self::BadRequest(format!("Customer already exists for email[{value}]"))
            }
            ServiceError::Invalid(violations) => Self::Validation(
                violations
                    .into_iter()
                    .map(|Violation { field, problem }| {
                        let name = field.snake_case();
                        match &problem {
                            Invalid::Email(reason) => ValidationIssue::new(
                                "value_error",
                                &["body", name],
                                problem.to_string(),
                                input(name),
                            )
                            .with_ctx(json!({ "reason": reason })),
                            _ => ValidationIssue::new(
                                "value_error",
                                &["body", name],
                                format!("Value error, {problem}"),
                                input(name),
                            )
                            .with_ctx(json!({ "error": problem.to_string() })),
                        }
                    })
                    .collect(),
            ),
            ServiceError::Forbidden => Self::Forbidden,
            ServiceError::Unavailable(source) => {
                crate::database::unavailable(&source);
                Self::Unavailable
            }
            ServiceError::Database(source) => {
                let id = uuid::Uuid::new_v4().to_string();
                tracing::error!(error_id = %id, error = %source, "database error in a REST route");
                Self::Internal(id)
            }
        }
    }
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unauthenticated(_) => crate::metrics::rejected(Rejection::Unauthenticated),
            Self::Forbidden => crate::metrics::rejected(Rejection::Forbidden),
            _ => {}
        }
        match self {
            Self::NotFound(detail) => {
                (StatusCode::NOT_FOUND, Json(Detail { detail })).into_response()
            }
            Self::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, Json(Detail { detail })).into_response()
            }
            Self::Unauthenticated(refusal) => (
                StatusCode::UNAUTHORIZED,
                [(
                    axum::http::header::WWW_AUTHENTICATE,
                    match refusal {
                        crate::auth::Refusal::Missing => "Bearer",
                        crate::auth::Refusal::Invalid => "Bearer error=\"invalid_token\"",
                    },
                )],
                Json(Detail {
                    detail: match refusal {
                        crate::auth::Refusal::Missing => "Not authenticated",
                        crate::auth::Refusal::Invalid => "Invalid token",
                    }
                    .into(),
                }),
            )
                .into_response(),
            Self::Forbidden => (
                StatusCode::FORBIDDEN,
                Json(Detail {
                    detail: "Not enough permissions".into(),
                }),
            )
                .into_response(),
            Self::Validation(detail) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(ValidationErrorBody { detail }),
            )
                .into_response(),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(axum::http::header::RETRY_AFTER, "1")],
                Json(Detail {
                    detail: "Service unavailable".into(),
                }),
            )
                .into_response(),
            Self::Internal(id) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(Detail {
                    detail: format!("Internal Server Error (error id {id})"),
                }),
            )
                .into_response(),
        }
    }
}
