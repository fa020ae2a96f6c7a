//! What the schema says about the values a request can send: every input type, every field's
//! and directive's arguments, and the root types. Read once from the schema's own SDL (a
//! public, stable description), so nothing here reaches into async-graphql's internals.

use std::collections::{HashMap, HashSet};

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::parse_schema;
use async_graphql::parser::types::{
    BaseType, InputValueDefinition, OperationType, Type, TypeKind, TypeSystemDefinition,
};
use async_graphql::{ID, InputType, Name, Positioned, Value as ConstValue};
use chrono::{DateTime, Utc};

/// An argument or input field: its type and whether it declares a default value.
#[derive(Debug)]
pub struct InputValue {
    /// The declared type.
    pub ty: Type,
    /// Whether a default applies when the value is left out.
    pub has_default: bool,
}

/// Arguments (or input fields) by name, in declaration order.
pub type InputValues = IndexMap<Name, InputValue>;

/// A field of an object or interface type.
#[derive(Debug)]
pub struct FieldDef {
    /// Its arguments.
    pub arguments: InputValues,
    /// The named type it returns (lists and non-null stripped), to walk its selection.
    pub returns: Name,
}

/// The built-in and custom scalars, each checked by the very parser async-graphql uses for
/// it, so a value accepted here is one the resolver can read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scalar {
    /// `Int`: a 32-bit integer.
    Int,
    /// `Float`.
    Float,
    /// `String`.
    String,
    /// `Boolean`.
    Boolean,
    /// `ID`: a string or an integer.
    Id,
    /// `DateTime`: an RFC 3339 string.
    DateTime,
    /// A scalar this module does not know; its values are left to the resolver.
    Other,
}

impl Scalar {
    fn named(name: &str) -> Self {
        match name {
            "Int" => Self::Int,
            "Float" => Self::Float,
            "String" => Self::String,
            "Boolean" => Self::Boolean,
            "ID" => Self::Id,
            "DateTime" => Self::DateTime,
            _ => Self::Other,
        }
    }

    /// Whether `value` is a valid input for this scalar.
    pub fn accepts(self, value: &ConstValue) -> bool {
        let value = Some(value.clone());
        match self {
            Self::Int => i32::parse(value).is_ok(),
            Self::Float => f64::parse(value).is_ok(),
            Self::String => String::parse(value).is_ok(),
            Self::Boolean => bool::parse(value).is_ok(),
            Self::Id => ID::parse(value).is_ok(),
            Self::DateTime => DateTime::<Utc>::parse(value).is_ok(),
            Self::Other => true,
        }
    }
}

/// A named type, as far as input coercion cares.
#[derive(Debug)]
pub enum TypeDef {
    /// A scalar.
    Scalar(Scalar),
    /// An enum and its values.
    Enum(HashSet<Name>),
    /// An input object and its fields.
    Input(InputValues),
    /// An object or interface type and its fields.
    Composite(HashMap<Name, FieldDef>),
    /// A union: it has no fields of its own.
    Union,
}

/// The schema's input surface.
#[derive(Debug)]
pub struct InputSchema {
    types: HashMap<Name, TypeDef>,
    directives: HashMap<Name, InputValues>,
    query: Name,
    mutation: Name,
    subscription: Name,
}

/// The SDL did not parse: a bug in the schema's printer, found at start-up.
#[derive(Debug, thiserror::Error)]
#[error("the schema's SDL does not parse: {0}")]
pub struct SdlError(String);

fn input_values(definitions: &[Positioned<InputValueDefinition>]) -> InputValues {
    definitions
        .iter()
        .map(|definition| {
            let definition = &definition.node;
            (
                definition.name.node.clone(),
                InputValue {
                    ty: definition.ty.node.clone(),
                    has_default: definition.default_value.is_some(),
                },
            )
        })
        .collect()
}

/// The named type at the bottom of a (list, non-null) type.
pub fn named_type(ty: &Type) -> &Name {
    match &ty.base {
        BaseType::Named(name) => name,
        BaseType::List(item) => named_type(item),
    }
}

impl InputSchema {
    /// Reads the input surface from the schema's SDL.
    pub fn from_sdl(sdl: &str) -> Result<Self, SdlError> {
        let document = parse_schema(sdl).map_err(|error| SdlError(error.to_string()))?;
        let mut schema = Self {
            types: HashMap::new(),
            directives: HashMap::new(),
            query: Name::new("Query"),
            mutation: Name::new("Mutation"),
            subscription: Name::new("Subscription"),
        };
        for scalar in ["Int", "Float", "String", "Boolean", "ID"] {
            schema
                .types
                .insert(Name::new(scalar), TypeDef::Scalar(Scalar::named(scalar)));
        }
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(roots) => {
                    let roots = roots.node;
                    if let Some(query) = roots.query {
                        schema.query = query.node;
                    }
                    if let Some(mutation) = roots.mutation {
                        schema.mutation = mutation.node;
                    }
                    if let Some(subscription) = roots.subscription {
                        schema.subscription = subscription.node;
                    }
                }
                TypeSystemDefinition::Directive(directive) => {
                    let directive = directive.node;
                    schema
                        .directives
                        .insert(directive.name.node, input_values(&directive.arguments));
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields =
                        |fields: &[Positioned<async_graphql::parser::types::FieldDefinition>]| {
                            fields
                                .iter()
                                .map(|field| {
                                    let field = &field.node;
                                    (
                                        field.name.node.clone(),
                                        FieldDef {
                                            arguments: input_values(&field.arguments),
                                            returns: named_type(&field.ty.node).clone(),
                                        },
                                    )
                                })
                                .collect()
                        };
                    let definition = match &ty.kind {
                        TypeKind::Scalar => TypeDef::Scalar(Scalar::named(&ty.name.node)),
                        TypeKind::Enum(values) => TypeDef::Enum(
                            values
                                .values
                                .iter()
                                .map(|value| value.node.value.node.clone())
                                .collect(),
                        ),
                        TypeKind::InputObject(input) => TypeDef::Input(input_values(&input.fields)),
                        TypeKind::Object(object) => TypeDef::Composite(fields(&object.fields)),
                        TypeKind::Interface(interface) => {
                            TypeDef::Composite(fields(&interface.fields))
                        }
                        TypeKind::Union(_) => TypeDef::Union,
                    };
                    schema.types.insert(ty.name.node, definition);
                }
            }
        }
        Ok(schema)
    }

    /// A named type, if the schema has it.
    pub fn get(&self, name: &str) -> Option<&TypeDef> {
        self.types.get(name)
    }

    /// The arguments of a directive, if the schema has it.
    pub fn directive(&self, name: &str) -> Option<&InputValues> {
        self.directives.get(name)
    }

    /// The root type an operation starts from.
    pub fn root(&self, operation: OperationType) -> Option<&TypeDef> {
        self.get(match operation {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        })
    }

    /// The fields of an object or interface type.
    pub fn field<'a>(&'a self, parent: Option<&'a TypeDef>, name: &str) -> Option<&'a FieldDef> {
        match parent? {
            TypeDef::Composite(fields) => fields.get(name),
            _ => None,
        }
    }

    /// The names of the scalars this module cannot check, for a test that keeps it at none.
    pub fn unchecked_scalars(&self) -> Vec<&str> {
        self.types
            .iter()
            .filter(|(_, definition)| matches!(definition, TypeDef::Scalar(Scalar::Other)))
            .map(|(name, _)| name.as_str())
            .collect()
    }
}
