//! The spec's "coerce variable values", run before anything executes: every variable the
//! operation defines is checked against its declared type, so a value that does not fit is
//! a request error with `BAD_USER_INPUT` (the client's input), never mistaken for a fault of
//! the document.

use async_graphql::parser::types::OperationDefinition;
use async_graphql::{Name, ServerError, Variables};

use super::schema::InputSchema;
use super::value::{Checker, Path, Source, Usage};
use super::{Code, coded};

/// Checks the request's variables against the operation's definitions. On success, returns
/// the nullable variables with no default that the request leaves out: per the spec they
/// have no value at all (not `null`), so the places they stand in are left out too (see
/// [`super::leave_out`]).
pub fn coerce(
    schema: &InputSchema,
    operation: &OperationDefinition,
    variables: &Variables,
) -> Result<Vec<Name>, Vec<ServerError>> {
    let mut missing = Vec::new();
    let mut errors = Vec::new();
    for definition in &operation.variable_definitions {
        let definition = &definition.node;
        let name = &definition.name.node;
        let ty = &definition.var_type.node;
        match variables.get(name) {
            None if definition.default_value.is_some() => {}
            None if ty.nullable => missing.push(name.clone()),
            None => errors.push(coded(
                format!("Variable \"${name}\" of required type \"{ty}\" was not provided."),
                Some(definition.name.pos),
                Code::BadUserInput,
                Some(name.as_str()),
            )),
            Some(value) => {
                let mut path = Path::new(name.clone());
                let mut checker =
                    Checker::new(schema, Source::Variables, |_: Usage<'_>, _: &Path| {});
                if let Err(problem) = checker.check(value, ty, false, &mut path) {
                    errors.push(coded(
                        format!(
                            "Variable \"${name}\" got an invalid value{}: {}.",
                            problem.path.at(),
                            problem.reason
                        ),
                        Some(definition.name.pos),
                        Code::BadUserInput,
                        Some(problem.path.field()),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(missing)
    } else {
        Err(errors)
    }
}
