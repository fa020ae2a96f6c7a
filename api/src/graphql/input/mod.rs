//! Input coercion exactly as the GraphQL spec has it, in the places where async-graphql's
//! own differs (its behaviour is shown by the tests below):
//!
//! - A variable the request leaves out has no value, not `null`: an input field or argument
//!   it stands for is left out, so the field's default applies and a patch keeps the field
//!   ([`leave_out`]). async-graphql passes `null`, which clears the field.
//! - A literal in the document that does not fit its type is a validation error
//!   (`GRAPHQL_VALIDATION_FAILED`), found once per document ([`check_document`]); a
//!   variable's value that does not fit is the client's input (`BAD_USER_INPUT`), found on
//!   every request ([`coerce_variables`]). async-graphql reports both alike, so they could
//!   only be told apart by its English messages.
//!
//! Everything here reads the schema through its SDL ([`InputSchema`]), so it depends on no
//! internals of the library.

mod document;
mod rewrite;
mod schema;
mod value;
mod variables;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};
use async_graphql::{Name, Pos, ServerError};

pub use document::{Analysis, check as check_document};
pub use rewrite::leave_out;
pub use schema::InputSchema;
pub use variables::coerce as coerce_variables;

use super::error::Code;

/// An error with its `extensions.code` (and `extensions.field`, when one input field is
/// at fault).
fn coded(message: String, pos: Option<Pos>, code: Code, field: Option<&str>) -> ServerError {
    let mut error = ServerError::new(message, pos);
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code.as_str());
    if let Some(field) = field {
        extensions.set("field", field);
    }
    error
}

/// The operation a request runs, with its name in the document (`None` for a lone
/// anonymous one): the one the request's name picks, or the document's only one.
pub fn selected_operation<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<(Option<&'a Name>, &'a OperationDefinition)> {
    let (name, operation) = match (&document.operations, name) {
        (DocumentOperations::Single(operation), None) => (None, operation),
        (DocumentOperations::Multiple(operations), Some(name)) => operations
            .get_key_value(name)
            .map(|(name, op)| (Some(name), op))?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations
            .iter()
            .next()
            .map(|(name, op)| (Some(name), op))?,
        _ => return None,
    };
    Some((name, &operation.node))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scalar_of_the_schema_is_checked_by_its_own_parser() {
        let inputs = InputSchema::from_sdl(&crate::graphql::sdl()).expect("the SDL parses");
        assert_eq!(inputs.unchecked_scalars(), Vec::<&str>::new());
    }
}
