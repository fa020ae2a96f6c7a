//! Every request's path to the executor, the same for POST, GET, batches, persisted queries
//! and WebSocket: the document checks, variable coercion as the GraphQL spec has it
//! ([`super::input`]), then execution; and the same stable `extensions.code` on the errors
//! async-graphql raises itself (validation, limits) as on the resolvers' errors.
//!
//! This is done around execution rather than as a schema extension: any extension puts
//! every field resolution on async-graphql's slow path, which costs more than the whole
//! rest of a large query.
//!
//! # Validated documents are not validated again
//!
//! The GraphQL spec lets a service execute a request without validating it again when that
//! same request is known to have been validated before against the same schema (the
//! introduction of its Validation section). async-graphql validates every request in full, a sixth of a small query's
//! instructions, so the service keeps the schema twice ([`Schemas`]): in full validation
//! mode, which every document runs on until it has passed once, and in async-graphql's fast
//! mode, which a cached document that has passed runs on from then on. Fast mode still
//! checks the complexity and depth limits (they depend on the variables) and fragment
//! cycles; what it leaves out depends on the document alone, except the variables' values
//! in arguments, which [`coerce_variables`] checks on every request, before either mode
//! runs. A request whose document is rewritten for it (a variable it leaves out) is always
//! validated in full.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use async_graphql::{
    BatchRequest, BatchResponse, Data, Executor, Name, Request, Response, ServerError,
};
use futures::StreamExt;
use futures::stream::{self, BoxStream};
use tracing::{Instrument, Span};

use super::documents::{DocumentCache, Prepared};
use super::error::Code;
use super::input::{coerce_variables, leave_out, selected_operation};
use crate::metrics::OperationTimer;
use crate::telemetry::operation_span;

fn with_code(mut error: ServerError, code: Code) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// The code of an error that came back from async-graphql without one. Input problems
/// never reach here (they are found, and coded, before execution), so an error with no
/// `path` is the document failing validation or a limit, and one with a `path` is a
/// resolver failing in a way nobody classified: a bug, never the client's fault.
fn code_after_parse(error: &ServerError) -> Code {
    match error.message.as_str() {
        "Query is too complex." | "Query is nested too deep." => Code::QueryTooComplex,
        message if message.starts_with("The number of directives") => Code::QueryTooComplex,
        _ if error.path.is_empty() => Code::ValidationFailed,
        _ => Code::Internal,
    }
}

/// The operation name that no document can select: asking for it makes async-graphql
/// validate the whole document and stop before running anything.
const VALIDATE_ONLY: &str = "__validate_only__";

/// Validates the whole document as sent, running nothing (async-graphql validates every
/// operation before it selects one). Needed only before [`leave_out`] prunes a document with
/// several operations down to the one that runs.
async fn validate_whole<E: Executor>(
    executor: &E,
    request: &Request,
    document: &ExecutableDocument,
) -> Result<(), Vec<ServerError>> {
    let mut probe = Request::new(request.query.clone())
        .variables(request.variables.clone())
        .operation_name(VALIDATE_ONLY);
    probe.set_parsed_query(document.clone());
    let response = executor.execute(probe).await;
    match response.errors.as_slice() {
        [only] if only.message.contains(VALIDATE_ONLY) => Ok(()),
        _ => Err(response.errors),
    }
}

/// Everything before execution, the same for every transport: the document from the cache
/// (or parsed and checked), the variables coerced as the GraphQL spec says, and the places
/// of variables the request leaves out removed from the document. Returns the document's
/// validated flag, unless the document was rewritten for this request.
async fn prepare<E: Executor>(
    executor: &E,
    documents: &DocumentCache,
    request: &mut Request,
    timer: &mut OperationTimer,
    selected: &mut Option<(OperationType, Option<Name>)>,
) -> Result<Option<Arc<AtomicBool>>, Vec<ServerError>> {
    let prepared = documents.prepare(request)?;
    let validated = prepared.validated();
    let Prepared {
        mut document,
        analysis,
        ..
    } = prepared;
    let missing = match selected_operation(&document, request.operation_name.as_deref()) {
        Some((name, operation)) => {
            timer.identify(operation.ty, name.map(|name| name.as_str()));
            *selected = Some((operation.ty, name.cloned()));
            let missing = coerce_variables(documents.inputs(), operation, &request.variables)?;
            let nulls = analysis.null_errors(name, &request.variables);
            if !nulls.is_empty() {
                return Err(nulls);
            }
            missing
        }
        // No such operation: the executor says so.
        None => Vec::new(),
    };
    if !missing.is_empty() {
        let several = matches!(
            &document.operations,
            DocumentOperations::Multiple(operations) if operations.len() > 1
        );
        if several {
            validate_whole(executor, request, &document).await?;
        }
        leave_out(&mut document, request.operation_name.as_deref(), &missing);
        request.set_parsed_query(document);
        return Ok(None);
    }
    request.set_parsed_query(document);
    Ok(Some(validated))
}

/// The schema twice: as async-graphql validates by default, and in its fast validation
/// mode for documents that have passed once (see the module's documentation).
#[derive(Clone)]
pub struct Schemas<E> {
    /// Full validation.
    pub full: E,
    /// Fast validation: limits and fragment cycles only.
    pub known: E,
}

/// Whether a response shows that its document passed validation: every error (if any)
/// came from a resolver, at a path. Validation errors and the limits' have none; so do a
/// few errors raised after validation (an unknown operation name), which only means that
/// the document is validated in full again next time.
fn passed_validation(response: &Response) -> bool {
    response.errors.iter().all(|error| !error.path.is_empty())
}

/// Runs a prepared request on the fast-validating schema if its document has passed
/// validation before, else on the fully validating one (and remembers when it passes).
async fn run<E: Executor>(
    schemas: &Schemas<E>,
    request: Request,
    validated: Option<Arc<AtomicBool>>,
) -> Response {
    match validated {
        Some(validated) if validated.load(Ordering::Relaxed) => {
            schemas.known.execute(request).await
        }
        Some(validated) => {
            let response = schemas.full.execute(request).await;
            if passed_validation(&response) {
                validated.store(true, Ordering::Relaxed);
            }
            response
        }
        None => schemas.full.execute(request).await,
    }
}

/// Runs one request, gives every error a code, and times it for the metrics (and, while
/// spans are exported, as a span of its own).
pub async fn execute<E: Executor>(
    schemas: &Schemas<E>,
    documents: &DocumentCache,
    mut request: Request,
) -> Response {
    let mut timer = OperationTimer::start();
    let mut selected = None;
    let prepared = prepare(
        &schemas.full,
        documents,
        &mut request,
        &mut timer,
        &mut selected,
    )
    .await;
    let response = match prepared {
        Ok(validated) => {
            let span = match &selected {
                Some((ty, name)) => operation_span(*ty, name.as_ref().map(|name| name.as_str())),
                None => Span::none(),
            };
            coded(run(schemas, request, validated).instrument(span).await)
        }
        Err(errors) => coded(Response::from_errors(errors)),
    };
    timer.finish();
    response
}

/// Runs a single or batched request and gives every error a code.
pub async fn execute_batch<E: Executor>(
    schemas: &Schemas<E>,
    documents: &DocumentCache,
    batch: BatchRequest,
) -> BatchResponse {
    match batch {
        BatchRequest::Single(request) => {
            BatchResponse::Single(execute(schemas, documents, request).await)
        }
        BatchRequest::Batch(requests) => BatchResponse::Batch(
            futures::future::join_all(
                requests
                    .into_iter()
                    .map(|request| execute(schemas, documents, request)),
            )
            .await,
        ),
    }
}

/// The schema as the WebSocket endpoint runs it: the same document checks (aliases,
/// persisted queries, required variables) and the same error codes as over HTTP, for every
/// response of a subscription's stream.
#[derive(Clone)]
pub struct CodedExecutor<E> {
    schemas: Schemas<E>,
    documents: Arc<DocumentCache>,
}

impl<E: Executor> CodedExecutor<E> {
    /// Wraps `schemas`, checking documents against `documents`.
    pub fn new(schemas: Schemas<E>, documents: Arc<DocumentCache>) -> Self {
        Self { schemas, documents }
    }
}

/// Gives every error of a response that has none a code (one that is nobody's known
/// failure is masked, and logged under the id the client gets), and counts the response's
/// errors by code for the metrics.
fn coded(mut response: Response) -> Response {
    if response.errors.is_empty() {
        return response;
    }
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|error| {
            let code = error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"));
            if let Some(code) = code {
                // Every code set in this crate is a `Code`.
                if let async_graphql::Value::String(code) = code
                    && let Some(code) = Code::parse(code)
                {
                    crate::metrics::graphql_error(code);
                }
                return error;
            }
            match code_after_parse(&error) {
                Code::Internal => {
                    crate::metrics::graphql_error(Code::Internal);
                    masked(error)
                }
                code => {
                    crate::metrics::graphql_error(code);
                    with_code(error, code)
                }
            }
        })
        .collect();
    let forbidden = async_graphql::Value::from(Code::Forbidden.as_str());
    if response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"))
            == Some(&forbidden)
    }) {
        crate::metrics::rejected(crate::metrics::Rejection::Forbidden);
    }
    response
}

/// An unclassified error as the client sees it: a generic message and an id; the log has
/// the original under the same id.
fn masked(error: ServerError) -> ServerError {
    let id = uuid::Uuid::new_v4().to_string();
    tracing::error!(error_id = %id, error = %error.message, path = ?error.path, "unclassified GraphQL error");
    let mut masked = ServerError::new(format!("Internal server error (error id {id})"), None);
    masked.locations = error.locations;
    masked.path = error.path;
    let extensions = masked.extensions.get_or_insert_with(Default::default);
    extensions.set("code", Code::Internal.as_str());
    extensions.set("errorId", id.as_str());
    masked
}

impl<E: Executor> Executor for CodedExecutor<E> {
    async fn execute(&self, request: Request) -> Response {
        execute(&self.schemas, &self.documents, request).await
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        // Validated in full: a subscription is validated once for its whole life anyway.
        let inner = self.schemas.full.clone();
        let documents = Arc::clone(&self.documents);
        stream::once(async move {
            // A subscription's lifetime is not an operation's duration: not timed.
            let mut untimed = OperationTimer::start();
            match prepare(&inner, &documents, &mut request, &mut untimed, &mut None).await {
                Ok(_) => inner
                    .execute_stream(request, session_data)
                    .map(coded)
                    .boxed(),
                Err(errors) => {
                    stream::once(async move { coded(Response::from_errors(errors)) }).boxed()
                }
            }
        })
        .flatten()
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    //! The pipeline against a small schema, beside what async-graphql does on its own: each
    //! test shows where the library's default differs from the GraphQL spec.

    use async_graphql::{
        EmptyMutation, EmptySubscription, InputObject, MaybeUndefined, Object, Schema, Value,
        Variables,
    };
    use serde_json::json;

    use super::*;
    use crate::graphql::input::InputSchema;

    /// A patch-like input: an optional field whose absence matters, and one with a default.
    #[derive(InputObject)]
    struct Patch {
        note: MaybeUndefined<String>,
        #[graphql(default = 7)]
        size: i32,
    }

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, patch: Patch) -> String {
            let note = match patch.note {
                MaybeUndefined::Undefined => "kept".to_owned(),
                MaybeUndefined::Null => "cleared".to_owned(),
                MaybeUndefined::Value(note) => note,
            };
            format!("{note}/{}", patch.size)
        }

        async fn items(&self, items: Vec<Option<i32>>) -> String {
            format!("{items:?}")
        }

        async fn fails(&self) -> async_graphql::Result<i32> {
            Err("database text that must not leak".into())
        }

        /// Which of the two schemas ran the request.
        async fn mode(&self, ctx: &async_graphql::Context<'_>, size: Option<i32>) -> String {
            format!("{}/{size:?}", ctx.data_unchecked::<Mode>().0)
        }
    }

    /// Tells the two schemas of [`Schemas`] apart.
    struct Mode(&'static str);

    type TestSchema = Schema<Query, EmptyMutation, EmptySubscription>;

    fn schema() -> (Schemas<TestSchema>, DocumentCache) {
        let build = |mode, validation| {
            Schema::build(Query, EmptyMutation, EmptySubscription)
                .data(Mode(mode))
                .validation_mode(validation)
                .limit_complexity(10)
                .finish()
        };
        let schemas = Schemas {
            full: build("full", async_graphql::ValidationMode::Strict),
            known: build("known", async_graphql::ValidationMode::Fast),
        };
        let inputs = InputSchema::from_sdl(&schemas.full.sdl()).expect("the SDL parses");
        (schemas, DocumentCache::new(30, 12, inputs))
    }

    fn request(query: &str, variables: serde_json::Value) -> Request {
        Request::new(query).variables(Variables::from_json(variables))
    }

    fn data(response: &Response) -> serde_json::Value {
        assert!(response.errors.is_empty(), "{:?}", response.errors);
        response.data.clone().into_json().expect("json")
    }

    fn code(response: &Response) -> Option<String> {
        let extensions = response.errors.first()?.extensions.as_ref()?;
        match extensions.get("code")? {
            Value::String(code) => Some(code.clone()),
            _ => None,
        }
    }

    const ECHO: &str =
        "query($note: String, $size: Int) { echo(patch: {note: $note, size: $size}) }";

    #[tokio::test]
    async fn a_missing_variable_leaves_its_input_field_out() {
        let (schemas, documents) = schema();
        // async-graphql alone reads the missing `$note` as null (clearing it) and the missing
        // `$size` as null (refusing it, though the field has a default).
        let library = schemas.full.execute(request(ECHO, json!({}))).await;
        assert!(
            !library.errors.is_empty(),
            "the library's default refuses `size`"
        );
        let library = schemas
            .full
            .execute(request(ECHO, json!({ "size": 1 })))
            .await;
        assert_eq!(data(&library), json!({ "echo": "cleared/1" }));

        // As the spec says: left out, so kept, and the default applies.
        let response = execute(&schemas, &documents, request(ECHO, json!({}))).await;
        assert_eq!(data(&response), json!({ "echo": "kept/7" }));
        // An explicit null still clears; a given value is used.
        let response = execute(
            &schemas,
            &documents,
            request(ECHO, json!({ "note": null, "size": 2 })),
        )
        .await;
        assert_eq!(data(&response), json!({ "echo": "cleared/2" }));
        // A variable's own default comes first.
        let with_default = "query($note: String = \"dflt\", $size: Int = 3) { echo(patch: {note: $note, size: $size}) }";
        let response = execute(&schemas, &documents, request(with_default, json!({}))).await;
        assert_eq!(data(&response), json!({ "echo": "dflt/3" }));
    }

    #[tokio::test]
    async fn a_missing_variable_in_a_list_is_null() {
        let (schemas, documents) = schema();
        let query = "query($a: Int, $b: Int) { items(items: [$a, 1, $b]) }";
        let response = execute(&schemas, &documents, request(query, json!({ "b": 2 }))).await;
        assert_eq!(
            data(&response),
            json!({ "items": "[None, Some(1), Some(2)]" })
        );
    }

    #[tokio::test]
    async fn several_operations_keep_their_fragments_and_validation() {
        let (schemas, documents) = schema();
        let query = "query A($note: String) { ...F } query B($note: String) { ...F }
                     fragment F on Query { echo(patch: {note: $note}) }";
        let picked = request(query, json!({})).operation_name("B");
        let response = execute(&schemas, &documents, picked).await;
        assert_eq!(data(&response), json!({ "echo": "kept/7" }));
        // The operation that does not run is still validated.
        let broken = "query A { nope } query B($note: String) { echo(patch: {note: $note}) }";
        let response = execute(
            &schemas,
            &documents,
            request(broken, json!({})).operation_name("B"),
        )
        .await;
        assert_eq!(
            code(&response).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED")
        );
    }

    #[tokio::test]
    async fn a_literal_that_does_not_fit_is_a_validation_error_and_a_variable_is_input() {
        let (schemas, documents) = schema();
        // async-graphql alone says the same thing for both.
        let literal = "{ echo(patch: {nope: 1}) }";
        let variable = "query($p: Patch!) { echo(patch: $p) }";
        let from_variable = json!({ "p": { "nope": 1 } });
        let library_literal = schemas.full.execute(request(literal, json!({}))).await;
        let library_variable = schemas
            .full
            .execute(request(variable, from_variable.clone()))
            .await;
        assert!(
            library_literal.errors[0]
                .message
                .starts_with("Invalid value for argument")
        );
        assert!(
            library_variable.errors[0]
                .message
                .starts_with("Invalid value for argument")
        );

        let response = execute(&schemas, &documents, request(literal, json!({}))).await;
        assert_eq!(
            code(&response).as_deref(),
            Some("GRAPHQL_VALIDATION_FAILED")
        );
        let response = execute(&schemas, &documents, request(variable, from_variable)).await;
        assert_eq!(code(&response).as_deref(), Some("BAD_USER_INPUT"));
        let field = response.errors[0]
            .extensions
            .as_ref()
            .and_then(|e| e.get("field"))
            .cloned();
        assert_eq!(field, Some(Value::from("p")));
        // A misplaced variable is the document's fault, whether or not it is sent.
        let misplaced = "query($size: String) { echo(patch: {size: $size}) }";
        for variables in [json!({}), json!({ "size": "x" })] {
            let response = execute(&schemas, &documents, request(misplaced, variables)).await;
            assert_eq!(
                code(&response).as_deref(),
                Some("GRAPHQL_VALIDATION_FAILED")
            );
        }
    }

    #[tokio::test]
    async fn an_unclassified_resolver_error_is_masked_as_internal() {
        let (schemas, documents) = schema();
        let response = execute(&schemas, &documents, request("{ fails }", json!({}))).await;
        assert_eq!(code(&response).as_deref(), Some("INTERNAL_SERVER_ERROR"));
        let error = &response.errors[0];
        assert!(!error.message.contains("database"), "{}", error.message);
        assert!(
            error
                .extensions
                .as_ref()
                .and_then(|e| e.get("errorId"))
                .is_some()
        );
        assert!(!error.path.is_empty(), "it still says where");
    }

    #[tokio::test]
    async fn a_document_that_passed_validation_runs_without_it_and_its_variables_are_still_checked()
    {
        let (schemas, documents) = schema();
        let query = "query($size: Int) { mode(size: $size) }";
        let run = |variables| execute(&schemas, &documents, request(query, variables));
        // First time: validated in full; from then on: the fast schema.
        assert_eq!(
            data(&run(json!({ "size": 1 })).await),
            json!({ "mode": "full/Some(1)" })
        );
        assert_eq!(
            data(&run(json!({ "size": 2 })).await),
            json!({ "mode": "known/Some(2)" })
        );
        // Variables are still coerced on every request.
        let response = run(json!({ "size": "two" })).await;
        assert_eq!(code(&response).as_deref(), Some("BAD_USER_INPUT"));
        // A request that leaves a variable out gets a rewritten document: validated in full.
        assert_eq!(data(&run(json!({})).await), json!({ "mode": "full/None" }));
        // The limits still hold on the fast schema (complexity 10: 11 fields).
        let costly = format!(
            "{{ {} }}",
            (0..11)
                .map(|n| format!("m{n}: mode"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let twice = [
            execute(&schemas, &documents, request(&costly, json!({}))).await,
            execute(&schemas, &documents, request(&costly, json!({}))).await,
        ];
        for response in twice {
            assert_eq!(
                code(&response).as_deref(),
                Some("QUERY_TOO_COMPLEX"),
                "{:?}",
                response.errors
            );
        }
    }

    #[tokio::test]
    async fn a_document_that_failed_validation_is_validated_again_every_time() {
        let (schemas, documents) = schema();
        // Unknown argument: refused by full validation, which fast mode would not check.
        let query = "{ mode(colour: 1) }";
        for _ in 0..2 {
            let response = execute(&schemas, &documents, request(query, json!({}))).await;
            assert_eq!(
                code(&response).as_deref(),
                Some("GRAPHQL_VALIDATION_FAILED"),
                "{:?}",
                response.errors
            );
        }
    }
}
