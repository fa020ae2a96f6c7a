//! The REST compatibility layer: the two FastAPI services' routes, unchanged for their
//! clients, and their OpenAPI description.

pub mod customer;
pub mod error;
pub mod extract;
pub mod stream;
pub mod todo;

use std::sync::OnceLock;

use axum::http::{StatusCode, Uri};
use axum::response::Redirect;
use axum::routing::{any, get};
use axum::{Json, Router};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};

use crate::state::AppState;

/// Every REST route, plus `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(customer::router())
        .merge(todo::router())
        .route("/openapi.json", get(|| async { Json(openapi()) }))
        .route("/v1/customers/", any(drop_trailing_slash))
        .route("/v1/customers/{customer_id}/", any(drop_trailing_slash))
        .route("/api/v1/todos/", any(drop_trailing_slash))
        .route("/api/v1/todos/{todo_id}/", any(drop_trailing_slash))
}

/// FastAPI's `redirect_slashes`: a route's path with a trailing slash gets a 307 (method and
/// body kept) to the path without it, query included.
async fn drop_trailing_slash(uri: Uri) -> Redirect {
    let path = uri.path().strip_suffix('/').unwrap_or(uri.path());
    match uri.query() {
        Some(query) => Redirect::temporary(&format!("{path}?{query}")),
        None => Redirect::temporary(path),
    }
}

/// Unknown paths answer as FastAPI does: 404 `{"detail": "Not Found"}`.
pub async fn not_found() -> (StatusCode, Json<error::Detail>) {
    (
        StatusCode::NOT_FOUND,
        Json(error::Detail {
            detail: "Not Found".into(),
        }),
    )
}

/// A known path with another method: 405 `{"detail": "Method Not Allowed"}` (axum adds the
/// `Allow` header).
pub async fn method_not_allowed() -> (StatusCode, Json<error::Detail>) {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        Json(error::Detail {
            detail: "Method Not Allowed".into(),
        }),
    )
}

/// The OpenAPI 3 document of the REST routes, built once.
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut document = customer::CustomerApi::openapi();
        document.merge(todo::TodoApi::openapi());
        document.info.title = "Customers and Todos: REST compatibility API".into();
        document.info.version = env!("CARGO_PKG_VERSION").into();
        document.info.description = Some(
            "The routes of the original Customer API (`/v1/customers`) and Todo API \
             (`/api/v1/todos`), answering as they did. New work should use GraphQL at \
             `/graphql`."
                .into(),
        );
        // Bearer tokens (SPEC 5.1), so that Swagger UI's Authorize button sends them; every
        // route takes one when access control is on.
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT as AUTH_* configures; not needed while access control is off.",
                    ))
                    .build(),
            ),
        );
        document.security = Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
        document
    })
}
