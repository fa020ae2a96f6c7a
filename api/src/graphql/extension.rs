//! Gives the errors async-graphql raises itself (parse, validation, limits, argument
//! coercion) the same stable `extensions.code` as the resolvers' errors.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Variables};

use super::error::Code;

/// Registers [`ErrorCodesExtension`] on the schema.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension)
    }
}

/// Adds a code to every error that has none.
struct ErrorCodesExtension;

fn with_code(mut error: ServerError, code: Code) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

/// The limit errors are validation errors to async-graphql; clients want to tell them apart.
fn validation_code(error: &ServerError) -> Code {
    match error.message.as_str() {
        "Query is too complex." | "Query is nested too deep." => Code::QueryTooComplex,
        message if message.starts_with("The number of directives") => Code::QueryTooComplex,
        _ => Code::ValidationFailed,
    }
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables).await.map_err(|error| {
            let code = if error.message.contains("recursion") || error.message.contains("too deep")
            {
                Code::QueryTooComplex
            } else {
                Code::ParseFailed
            };
            with_code(error, code)
        })
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| {
                    let code = validation_code(&error);
                    with_code(error, code)
                })
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // What is left without a code at this point is async-graphql's own input coercion
        // (a value that does not fit its argument's type), i.e. the client's input.
        response.errors = std::mem::take(&mut response.errors)
            .into_iter()
            .map(|error| with_code(error, Code::BadUserInput))
            .collect();
        response
    }
}
