//! Leaves out what a missing variable stood for, so the executor sees the document the spec
//! describes: an input field or argument given by a variable the request does not provide
//! is absent (its default applies, or a patch keeps the field as it is), and a list item
//! given by one is `null`.
//!
//! async-graphql instead reads a missing nullable variable as `null` wherever it stands,
//! which inside a patch clears the field. This is the one place that is corrected.

use std::collections::HashSet;

use async_graphql::parser::types::{
    Directive, DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned};
use async_graphql_value::Value;

struct Rewrite<'a> {
    missing: &'a [Name],
    spreads: Vec<Name>,
}

impl Rewrite<'_> {
    fn is_missing(&self, value: &Value) -> bool {
        matches!(value, Value::Variable(name) if self.missing.contains(name))
    }

    fn value(&self, value: &mut Value) {
        match value {
            Value::List(items) => {
                for item in items {
                    if self.is_missing(item) {
                        *item = Value::Null;
                    } else {
                        self.value(item);
                    }
                }
            }
            Value::Object(fields) => {
                fields.retain(|_, field| !self.is_missing(field));
                for field in fields.values_mut() {
                    self.value(field);
                }
            }
            _ => {}
        }
    }

    fn arguments(&self, arguments: &mut Vec<(Positioned<Name>, Positioned<Value>)>) {
        arguments.retain(|(_, value)| !self.is_missing(&value.node));
        for (_, value) in arguments {
            self.value(&mut value.node);
        }
    }

    fn directives(&self, directives: &mut [Positioned<Directive>]) {
        for directive in directives {
            self.arguments(&mut directive.node.arguments);
        }
    }

    fn selection_set(&mut self, set: &mut SelectionSet) {
        for selection in &mut set.items {
            match &mut selection.node {
                Selection::Field(field) => {
                    let field = &mut field.node;
                    self.directives(&mut field.directives);
                    self.arguments(&mut field.arguments);
                    self.selection_set(&mut field.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    let fragment = &mut fragment.node;
                    self.directives(&mut fragment.directives);
                    self.selection_set(&mut fragment.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&mut spread.node.directives);
                    self.spreads.push(spread.node.fragment_name.node.clone());
                }
            }
        }
    }

    fn operation(&mut self, operation: &mut OperationDefinition) {
        self.directives(&mut operation.directives);
        self.selection_set(&mut operation.selection_set.node);
        operation
            .variable_definitions
            .retain(|definition| !self.missing.contains(&definition.node.name.node));
    }
}

/// Rewrites the operation named `operation_name` (and the fragments it uses) so that the
/// variables in `missing` stand nowhere, and drops their definitions. A document with other
/// operations keeps only this one and its fragments, since the others may share fragments
/// and would be left with unused variables; the caller validates the whole document first.
pub fn leave_out(
    document: &mut ExecutableDocument,
    operation_name: Option<&str>,
    missing: &[Name],
) {
    let mut rewrite = Rewrite {
        missing,
        spreads: Vec::new(),
    };
    let several = match &mut document.operations {
        DocumentOperations::Single(operation) => {
            rewrite.operation(&mut operation.node);
            false
        }
        DocumentOperations::Multiple(operations) => {
            let chosen = match operation_name {
                Some(name) => operations.keys().find(|key| key.as_str() == name).cloned(),
                None if operations.len() == 1 => operations.keys().next().cloned(),
                None => None,
            };
            // An unknown or unnamed choice is reported by the executor; nothing to rewrite.
            let Some(chosen) = chosen else { return };
            operations.retain(|name, _| *name == chosen);
            if let Some(operation) = operations.get_mut(&chosen) {
                rewrite.operation(&mut operation.node);
            }
            true
        }
    };
    let mut reached: HashSet<Name> = HashSet::new();
    while let Some(name) = rewrite.spreads.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(fragment) = document.fragments.get_mut(&name) {
            let fragment = &mut fragment.node;
            rewrite.directives(&mut fragment.directives);
            rewrite.selection_set(&mut fragment.selection_set.node);
        }
    }
    if several {
        document.fragments.retain(|name, _| reached.contains(name));
    }
}
