//! `/graphql` over HTTP (POST, and GET for queries), GraphiQL for browsers, and
//! `/graphql/ws` for subscriptions, following the GraphQL-over-HTTP spec.

use async_graphql::http::parse_query_string;
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{BatchRequest, BatchResponse};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use service::Principal;

use super::error::Code;
use super::pipeline::{execute, execute_batch};
use crate::state::AppState;

/// The media type of the GraphQL-over-HTTP spec.
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// The GraphQL routes: `/graphql`, `/graphql/ws` and `/schema.graphql`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphql/ws", get(super::ws::graphql_ws))
        .route("/schema.graphql", get(schema_sdl))
}

/// Which response format the client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `application/graphql-response+json`: request errors get 4xx and no `data`.
    GraphqlResponseJson,
    /// `application/json` (and anything else): always 200, errors in the body.
    Json,
}

impl Format {
    /// Honours the `Accept` header's quality values: the media type with the higher `q`
    /// wins, a tie goes to the one named more specifically (not by a wildcard), then to the
    /// one listed first; plain JSON is the default (no header, only wildcards, or nothing
    /// this endpoint can send).
    fn negotiate(headers: &HeaderMap) -> Self {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        let modern = Preference::of(accept, GRAPHQL_RESPONSE_JSON);
        let legacy = Preference::of(accept, "application/json");
        match (modern, legacy) {
            (Some(modern), Some(legacy)) if modern.beats(legacy) => Self::GraphqlResponseJson,
            (Some(modern), None) if modern.quality > 0.0 => Self::GraphqlResponseJson,
            _ => Self::Json,
        }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }
}

/// How much an `Accept` header wants one media type, by its most specific matching range.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Preference {
    /// The range's `q` (1 when absent).
    quality: f32,
    /// 2 for the media type itself, 1 for `type/*`, 0 for `*/*`.
    specificity: u8,
    /// Where the range is in the header, for ties.
    position: usize,
}

impl Preference {
    fn of(accept: &str, media: &str) -> Option<Self> {
        let main_type = media.split('/').next().unwrap_or_default();
        let mut best: Option<Self> = None;
        for (position, range) in accept.split(',').enumerate() {
            let mut parts = range.split(';');
            let range_type = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let specificity = if range_type == media {
                2
            } else if range_type.strip_suffix("/*") == Some(main_type) {
                1
            } else if range_type == "*/*" {
                0
            } else {
                continue;
            };
            let quality = parts
                .filter_map(|parameter| parameter.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, value)| value.trim().parse().unwrap_or(0.0));
            let candidate = Self {
                quality,
                specificity,
                position,
            };
            if best.is_none_or(|best| specificity > best.specificity) {
                best = Some(candidate);
            }
        }
        best
    }

    /// Whether this media type should be chosen over `other`: a higher `q`, or the same
    /// (non-zero) `q` and named more specifically or earlier.
    fn beats(self, other: Self) -> bool {
        if self.quality != other.quality {
            return self.quality > other.quality;
        }
        self.quality > 0.0
            && (self.specificity, std::cmp::Reverse(self.position))
                > (other.specificity, std::cmp::Reverse(other.position))
    }
}

/// Writes a GraphQL response in the negotiated format.
fn respond(format: Format, response: BatchResponse) -> Response {
    let mut status = StatusCode::OK;
    let body = match (&response, format) {
        // A request error (it did not parse or validate, so nothing ran): no `data` at all,
        // and a 400. Once execution started the result keeps its `data`, even `null`, and is
        // a 200, as the GraphQL-over-HTTP spec asks. (Apollo clients expect an unknown
        // persisted query as a normal answer, to retry with the query.)
        (BatchResponse::Single(single), Format::GraphqlResponseJson)
            if is_request_error(single) && !is_persisted_query_not_found(single) =>
        {
            status = StatusCode::BAD_REQUEST;
            serde_json::to_vec(&json!({ "errors": single.errors }))
        }
        (BatchResponse::Single(single), _) if is_unavailable(single) => {
            status = StatusCode::SERVICE_UNAVAILABLE;
            serde_json::to_vec(&response)
        }
        _ => serde_json::to_vec(&response),
    };
    match body {
        Ok(body) => {
            let mut response = (
                status,
                [
                    (header::CONTENT_TYPE, format.content_type()),
                    (header::VARY, HeaderValue::from_static("accept")),
                ],
                body,
            )
                .into_response();
            if status == StatusCode::SERVICE_UNAVAILABLE {
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(crate::unavailable::RETRY_AFTER_SECS),
                );
            }
            response
        }
        Err(error) => {
            tracing::error!(%error, "serialising a GraphQL response");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Whether a response is a request error: no data, and errors that all come from before
/// execution (parsing, validation, variable coercion, limits). A field error always has a
/// `path`; a request error never does.
fn is_request_error(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

fn is_persisted_query_not_found(response: &async_graphql::Response) -> bool {
    has_code(response, Code::PersistedQueryNotFound)
}

/// Whether the database being unavailable left the whole response without data: then the
/// HTTP status says so too (503 with `Retry-After`, SPEC 4.2), so that load balancers and
/// retrying clients see it without reading the body.
fn is_unavailable(response: &async_graphql::Response) -> bool {
    response.data == async_graphql::Value::Null && has_code(response, Code::ServiceUnavailable)
}

fn has_code(response: &async_graphql::Response, code: Code) -> bool {
    let code = async_graphql::Value::from(code.as_str());
    response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            == Some(&code)
    })
}

/// A request that is not GraphQL-over-HTTP JSON: 400, in the same error shape as the rest.
fn bad_request(format: Format, message: String) -> Response {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": Code::ParseFailed.as_str() } }] });
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, format.content_type())],
        body.to_string(),
    )
        .into_response()
}

/// A request with neither a `query` nor a persisted query's hash is malformed.
fn lacks_query(request: &async_graphql::Request) -> bool {
    request.query.trim().is_empty() && !request.extensions.contains_key("persistedQuery")
}

/// Runs a query, mutation or batch sent with POST as JSON.
async fn graphql_post(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let format = Format::negotiate(&headers);
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|media| media == "application/json" || media == "application/graphql+json");
    if !is_json {
        return bad_request(
            format,
            "Send GraphQL requests as JSON with Content-Type: application/json".into(),
        );
    }
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(error) => {
            return bad_request(
                format,
                format!("The body is not a GraphQL request: {error}"),
            );
        }
    };
    let missing_query = match &batch {
        BatchRequest::Single(request) => lacks_query(request),
        BatchRequest::Batch(requests) => requests.is_empty() || requests.iter().any(lacks_query),
    };
    if missing_query {
        return bad_request(format, "The request has no `query`".into());
    }
    respond(
        format,
        execute_batch(
            &state.schemas(),
            &state.documents,
            with_principal(batch, principal),
        )
        .await,
    )
}

/// GraphiQL for a browser; otherwise a query sent as URL parameters. Mutations are refused
/// over GET (they must not be triggered by a link or a prefetch).
async fn graphql_get(
    State(state): State<AppState>,
    principal: Option<Extension<Principal>>,
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
    let format = Format::negotiate(&headers);
    let request = match parse_query_string(&query) {
        Ok(request) => request,
        Err(error) => return bad_request(format, format!("Invalid GraphQL GET request: {error}")),
    };
    if lacks_query(&request) {
        return bad_request(format, "The request has no `query`".into());
    }
    if matches!(
        operation_type(&request),
        Some(OperationType::Mutation | OperationType::Subscription)
    ) {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "POST")],
            "Only queries can be sent with GET; send mutations with POST.",
        )
            .into_response();
    }
    respond(
        format,
        BatchResponse::Single(
            execute(
                &state.schemas(),
                &state.documents,
                match principal {
                    Some(Extension(principal)) => request.data(principal),
                    None => request,
                },
            )
            .await,
        ),
    )
}

/// The batch with the request's principal in its data. Without one (access control on, and
/// no principal attached) the resolvers find none and refuse to read or write anything.
fn with_principal(batch: BatchRequest, principal: Option<Extension<Principal>>) -> BatchRequest {
    match principal {
        Some(Extension(principal)) => batch.data(principal),
        None => batch,
    }
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

/// The schema in SDL, for code generators; hidden with introspection.
async fn schema_sdl(State(state): State<AppState>) -> Response {
    if !state.config.graphql_introspection {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        [(header::CONTENT_TYPE, "application/graphql; charset=utf-8")],
        super::sdl(),
    )
        .into_response()
}
