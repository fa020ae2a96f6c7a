//! `/graphql` over HTTP (POST, and GET for queries), GraphiQL for browsers, and
//! `/graphql/ws` for subscriptions.

use async_graphql::http::parse_query_string;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql_axum::{GraphQLBatchRequest, GraphQLResponse, GraphQLSubscription};
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::ApiSchema;
use crate::state::AppState;

/// The GraphQL routes: `/graphql`, `/graphql/ws` and `/schema.graphql`.
pub fn router(schema: ApiSchema) -> Router<AppState> {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route_service("/graphql/ws", GraphQLSubscription::new(schema))
        .route("/schema.graphql", get(schema_sdl))
}

/// Runs a query, mutation or batch sent with POST.
async fn graphql_post(
    State(schema): State<ApiSchema>,
    request: GraphQLBatchRequest,
) -> GraphQLResponse {
    super::error_codes::execute_batch(&schema, request.into_inner())
        .await
        .into()
}

/// GraphiQL for a browser; otherwise a query sent as URL parameters. Mutations are refused
/// over GET (they must not be triggered by a link or a prefetch).
async fn graphql_get(
    State(schema): State<ApiSchema>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|accept| accept.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let query = query.unwrap_or_default();
    if wants_html && !query.split('&').any(|pair| pair.starts_with("query=")) {
        return crate::ui::graphiql_page_for(&headers);
    }
    let request = match parse_query_string(&query) {
        Ok(request) => request,
        Err(error) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("Invalid GraphQL GET request: {error}"),
            )
                .into_response();
        }
    };
    if operation_type(&request) == Some(OperationType::Mutation)
        || operation_type(&request) == Some(OperationType::Subscription)
    {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "Only queries can be sent with GET; send mutations with POST.",
        )
            .into_response();
    }
    GraphQLResponse::from(super::error_codes::execute(&schema, request).await).into_response()
}

/// The type of the operation a request would run, if its document parses.
fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    let document = parse_query(&request.query).ok()?;
    match document.operations {
        DocumentOperations::Single(operation) => Some(operation.node.ty),
        DocumentOperations::Multiple(operations) => match &request.operation_name {
            Some(name) => operations
                .get(name.as_str())
                .map(|operation| operation.node.ty),
            None if operations.len() == 1 => operations.values().next().map(|op| op.node.ty),
            None => None,
        },
    }
}

/// The schema in SDL, for code generators.
async fn schema_sdl() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/graphql; charset=utf-8")],
        super::sdl(),
    )
}
