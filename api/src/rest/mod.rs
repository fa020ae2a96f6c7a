//! The REST compatibility layer: the two FastAPI services' routes, unchanged for their
//! clients, and their OpenAPI description.

pub mod customer;
pub mod error;
pub mod extract;
pub mod todo;

use std::sync::OnceLock;

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::state::AppState;

/// Every REST route, plus `/openapi.json`.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(customer::router())
        .merge(todo::router())
        .route("/openapi.json", get(|| async { Json(openapi()) }))
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
        document
    })
}
