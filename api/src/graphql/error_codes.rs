//! Gives the errors async-graphql raises itself (parse, validation, limits, argument
//! coercion) the same stable `extensions.code` as the resolvers' errors.
//!
//! This is done around execution rather than as a schema extension: any extension puts
//! every field resolution on async-graphql's slow path, which costs more than the whole
//! rest of a large query.

use async_graphql::parser::types::{DocumentOperations, OperationDefinition};
use async_graphql::{BatchRequest, BatchResponse, Executor, Request, Response, ServerError};

use super::documents::DocumentCache;
use super::error::Code;

fn with_code(mut error: ServerError, code: Code) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// The code of an error that async-graphql raised without one, once the document parsed.
fn code_after_parse(error: &ServerError) -> Code {
    match error.message.as_str() {
        "Query is too complex." | "Query is nested too deep." => Code::QueryTooComplex,
        message if message.starts_with("The number of directives") => Code::QueryTooComplex,
        // A value of the wrong type for an argument, written in the document or sent as a
        // variable: the client's input.
        message if message.starts_with("Invalid value for argument") => Code::BadUserInput,
        // Validation errors point at the document, not at a field of the result.
        _ if error.path.is_empty() => Code::ValidationFailed,
        // What is left is input coercion while resolving: a value that does not fit its
        // argument's type, i.e. the client's input.
        _ => Code::BadUserInput,
    }
}

/// The operation a request runs, if its name (or the document alone) picks one.
fn selected_operation<'a>(
    operations: &'a DocumentOperations,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let operation = match (operations, name) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
    Some(&operation.node)
}

/// Variable coercion's first check, which async-graphql leaves to execution: a variable of
/// a non-null type with no default must be provided. Without this a missing one would only
/// fail the fields that use it, after the others (a mutation's too) had run; per the
/// GraphQL spec it is a request error, so nothing runs and the answer has no `data`.
fn missing_variables(request: &mut Request) -> Vec<ServerError> {
    // Taken out for the look-up (the parsed document borrows the whole request) and put back.
    let variables = std::mem::take(&mut request.variables);
    let name = request.operation_name.take();
    let missing = match request.parsed_query() {
        Ok(document) => selected_operation(&document.operations, name.as_deref())
            .map(|operation| {
                operation
                    .variable_definitions
                    .iter()
                    .filter(|definition| {
                        !definition.node.var_type.node.nullable
                            && definition.node.default_value.is_none()
                            && !variables.contains_key(&definition.node.name.node)
                    })
                    .map(|definition| {
                        with_code(
                            ServerError::new(
                                format!(
                                    "Variable \"${}\" of required type \"{}\" was not provided.",
                                    definition.node.name.node, definition.node.var_type.node
                                ),
                                Some(definition.pos),
                            ),
                            Code::BadUserInput,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    request.variables = variables;
    request.operation_name = name;
    missing
}

/// Runs one request and gives every error a code.
pub async fn execute<E: Executor>(
    executor: &E,
    documents: &DocumentCache,
    mut request: Request,
) -> Response {
    if let Err(error) = documents.prepare(&mut request) {
        return Response::from_errors(vec![error]);
    }
    let missing = missing_variables(&mut request);
    if !missing.is_empty() {
        return Response::from_errors(missing);
    }
    let mut response = executor.execute(request).await;
    response.errors = std::mem::take(&mut response.errors)
        .into_iter()
        .map(|error| {
            let code = code_after_parse(&error);
            with_code(error, code)
        })
        .collect();
    response
}

/// Runs a single or batched request and gives every error a code.
pub async fn execute_batch<E: Executor>(
    executor: &E,
    documents: &DocumentCache,
    batch: BatchRequest,
) -> BatchResponse {
    match batch {
        BatchRequest::Single(request) => {
            BatchResponse::Single(execute(executor, documents, request).await)
        }
        BatchRequest::Batch(requests) => BatchResponse::Batch(
            futures::future::join_all(
                requests
                    .into_iter()
                    .map(|request| execute(executor, documents, request)),
            )
            .await,
        ),
    }
}
