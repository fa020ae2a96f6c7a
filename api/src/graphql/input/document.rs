//! The checks on a document's input values that depend on the document alone, so they run
//! once per distinct document (its result is cached with it): every literal argument value
//! must fit its type, every variable's default must fit the variable's type, and every
//! variable must be used only where its type is allowed.
//!
//! async-graphql checks literals too, but reports a literal that does not fit and a variable
//! value that does not fit with the same message, so the two could only be told apart by its
//! English text. Here a literal's problem is found where it is written, and is a validation
//! error; a variable's value is checked by [`super::variables`], and is the client's input.
//! The usage rule is checked here because [`super::rewrite`] removes the usages of variables
//! the request leaves out, which would otherwise hide a misplaced one from validation.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    BaseType, Directive, ExecutableDocument, Selection, SelectionSet, Type, VariableDefinition,
};
use async_graphql::{Name, Pos, Positioned, ServerError};
use async_graphql_value::{ConstValue, Value};

use super::schema::{InputSchema, InputValues, TypeDef};
use super::value::{Checker, Path, Source, Usage};
use super::{Code, coded};

/// A variable met in an operation or fragment, with where.
struct Found<'a> {
    name: &'a Name,
    expected: &'a Type,
    has_default: bool,
    pos: Pos,
    /// Where in the argument, e.g. `input.status`.
    at: String,
    /// The input field (or argument) it gives, for `extensions.field`.
    field: String,
}

/// A place where a variable stands that cannot take `null` (a non-null field with a
/// default, which the usage rule allows a nullable variable in): an explicit `null` sent
/// for the variable is then the client's error, found per request.
#[derive(Clone, Debug)]
pub struct NonNullUse {
    variable: Name,
    at: String,
    field: String,
    expected: String,
    pos: Pos,
}

/// What a document's check leaves for the checks of each request: per operation (by name;
/// `None` for a lone anonymous one), the places where a `null` variable is refused.
#[derive(Debug, Default)]
pub struct Analysis {
    non_null_uses: Vec<(Option<Name>, Vec<NonNullUse>)>,
}

impl Analysis {
    /// The errors for the variables of operation `operation` that are sent as `null` where
    /// `null` cannot stand.
    pub fn null_errors(
        &self,
        operation: Option<&Name>,
        variables: &async_graphql::Variables,
    ) -> Vec<ServerError> {
        let Some((_, uses)) = self
            .non_null_uses
            .iter()
            .find(|(name, _)| name.as_ref() == operation)
        else {
            return Vec::new();
        };
        uses.iter()
            .filter(|usage| variables.get(&usage.variable) == Some(&ConstValue::Null))
            .map(|usage| {
                coded(
                    format!(
                        "Variable \"${}\" is null, but \"{}\" of type \"{}\" cannot be null.",
                        usage.variable, usage.at, usage.expected
                    ),
                    Some(usage.pos),
                    Code::BadUserInput,
                    Some(&usage.field),
                )
            })
            .collect()
    }
}

/// What the walk found in one operation or fragment.
#[derive(Default)]
struct Unit<'a> {
    usages: Vec<Found<'a>>,
    spreads: Vec<&'a Name>,
}

struct Walk<'a> {
    schema: &'a InputSchema,
    errors: Vec<ServerError>,
}

impl<'a> Walk<'a> {
    fn arguments(
        &mut self,
        arguments: &'a [(Positioned<Name>, Positioned<Value>)],
        definitions: Option<&'a InputValues>,
        unit: &mut Unit<'a>,
    ) {
        for (name, value) in arguments {
            // An unknown argument is reported by validation.
            let Some(definition) = definitions.and_then(|definitions| definitions.get(&name.node))
            else {
                continue;
            };
            let pos = value.pos;
            let mut path = Path::new(name.node.clone());
            let mut checker = Checker::new(
                self.schema,
                Source::Document,
                |usage: Usage<'a>, at: &Path| {
                    unit.usages.push(Found {
                        name: usage.name,
                        expected: usage.expected,
                        has_default: usage.has_default,
                        pos,
                        at: at.to_string(),
                        field: at.field().to_owned(),
                    });
                },
            );
            if let Err(problem) = checker.check(
                &value.node,
                &definition.ty,
                definition.has_default,
                &mut path,
            ) {
                self.errors.push(coded(
                    format!(
                        "Argument \"{}\" has an invalid value{}: {}.",
                        name.node,
                        problem.path.at(),
                        problem.reason
                    ),
                    Some(pos),
                    Code::ValidationFailed,
                    None,
                ));
            }
        }
    }

    fn directives(&mut self, directives: &'a [Positioned<Directive>], unit: &mut Unit<'a>) {
        for directive in directives {
            let definitions = self.schema.directive(&directive.node.name.node);
            self.arguments(&directive.node.arguments, definitions, unit);
        }
    }

    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        parent: Option<&'a TypeDef>,
        unit: &mut Unit<'a>,
    ) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    self.directives(&field.directives, unit);
                    // Introspection fields are async-graphql's own.
                    if field.name.node.starts_with("__") {
                        continue;
                    }
                    let definition = self.schema.field(parent, &field.name.node);
                    self.arguments(
                        &field.arguments,
                        definition.map(|definition| &definition.arguments),
                        unit,
                    );
                    let returns =
                        definition.and_then(|definition| self.schema.get(&definition.returns));
                    self.selection_set(&field.selection_set.node, returns, unit);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &fragment.node;
                    self.directives(&fragment.directives, unit);
                    let parent = match &fragment.type_condition {
                        Some(condition) => self.schema.get(&condition.node.on.node),
                        None => parent,
                    };
                    self.selection_set(&fragment.selection_set.node, parent, unit);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.node.directives, unit);
                    unit.spreads.push(&spread.node.fragment_name.node);
                }
            }
        }
    }
}

/// The spec's "are types compatible": a variable of type `variable` can stand where
/// `location` is expected.
fn compatible(variable: &Type, location: &Type) -> bool {
    if !location.nullable && variable.nullable {
        return false;
    }
    match (&variable.base, &location.base) {
        (BaseType::List(variable), BaseType::List(location)) => compatible(variable, location),
        (BaseType::Named(variable), BaseType::Named(location)) => variable == location,
        _ => false,
    }
}

/// The spec's "is variable usage allowed".
fn allowed(definition: &VariableDefinition, usage: &Found<'_>) -> bool {
    let variable = &definition.var_type.node;
    if !usage.expected.nullable && variable.nullable {
        let non_null_default = definition
            .default_value
            .as_ref()
            .is_some_and(|default| default.node != ConstValue::Null);
        if !non_null_default && !usage.has_default {
            return false;
        }
        let nullable_location = Type {
            base: usage.expected.base.clone(),
            nullable: true,
        };
        return compatible(variable, &nullable_location);
    }
    compatible(variable, usage.expected)
}

/// Every fragment reachable from `start`, each once (cycles are validation's to report).
fn reachable<'a>(
    start: &Unit<'a>,
    fragments: &'a HashMap<&'a Name, Unit<'a>>,
) -> Vec<&'a Unit<'a>> {
    let mut seen: HashSet<&Name> = HashSet::new();
    let mut pending: Vec<&Name> = start.spreads.clone();
    let mut units = Vec::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name) {
            continue;
        }
        if let Some(unit) = fragments.get(name) {
            pending.extend(unit.spreads.iter().copied());
            units.push(unit);
        }
    }
    units
}

/// Checks a document's literals, variable defaults and variable usages; the errors are
/// `GRAPHQL_VALIDATION_FAILED`. What the checks of each request need is returned.
pub fn check(
    schema: &InputSchema,
    document: &ExecutableDocument,
) -> Result<Analysis, Vec<ServerError>> {
    let mut analysis = Analysis::default();
    let mut walk = Walk {
        schema,
        errors: Vec::new(),
    };
    let mut fragments = HashMap::new();
    for (name, fragment) in &document.fragments {
        let fragment = &fragment.node;
        let mut unit = Unit::default();
        walk.directives(&fragment.directives, &mut unit);
        let parent = schema.get(&fragment.type_condition.node.on.node);
        walk.selection_set(&fragment.selection_set.node, parent, &mut unit);
        fragments.insert(name, unit);
    }
    for (name, operation) in document.operations.iter() {
        let operation = &operation.node;
        let mut non_null_uses = Vec::new();
        let mut unit = Unit::default();
        walk.directives(&operation.directives, &mut unit);
        walk.selection_set(
            &operation.selection_set.node,
            schema.root(operation.ty),
            &mut unit,
        );
        for definition in &operation.variable_definitions {
            default_value(schema, &definition.node, &mut walk.errors);
        }
        let usages = unit.usages.iter().chain(
            reachable(&unit, &fragments)
                .into_iter()
                .flat_map(|unit| &unit.usages),
        );
        for usage in usages {
            let definition = operation
                .variable_definitions
                .iter()
                .find(|definition| &definition.node.name.node == usage.name);
            // An undefined variable is reported by validation.
            let Some(definition) = definition else {
                continue;
            };
            if !usage.expected.nullable && definition.node.var_type.node.nullable {
                non_null_uses.push(NonNullUse {
                    variable: usage.name.clone(),
                    at: usage.at.clone(),
                    field: usage.field.clone(),
                    expected: usage.expected.to_string(),
                    pos: usage.pos,
                });
            }
            if !allowed(&definition.node, usage) {
                walk.errors.push(coded(
                    format!(
                        "Variable \"${}\" of type \"{}\" cannot be used where \"{}\" is expected.",
                        usage.name, definition.node.var_type.node, usage.expected
                    ),
                    Some(usage.pos),
                    Code::ValidationFailed,
                    None,
                ));
            }
        }
        if !non_null_uses.is_empty() {
            analysis.non_null_uses.push((name.cloned(), non_null_uses));
        }
    }
    if walk.errors.is_empty() {
        Ok(analysis)
    } else {
        Err(walk.errors)
    }
}

/// A variable's default value is a literal: it must fit the variable's type.
fn default_value(
    schema: &InputSchema,
    definition: &VariableDefinition,
    errors: &mut Vec<ServerError>,
) {
    let Some(default) = &definition.default_value else {
        return;
    };
    let mut path = Path::new(definition.name.node.clone());
    let mut checker = Checker::new(schema, Source::Document, |_: Usage<'_>, _: &Path| {});
    if let Err(problem) = checker.check(&default.node, &definition.var_type.node, false, &mut path)
    {
        errors.push(coded(
            format!(
                "Variable \"${}\" has an invalid default value at \"{}\": {}.",
                definition.name.node, problem.path, problem.reason
            ),
            Some(default.pos),
            Code::ValidationFailed,
            None,
        ));
    }
}
