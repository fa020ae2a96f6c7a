//! Checks an input value against its type, as the GraphQL spec's input coercion does, for
//! both places values come from: literals written in the document (where variables may
//! stand inside) and the request's variables (JSON). One walk serves both, so a literal and a
//! variable are held to exactly the same rules; only enum values are spelt differently
//! (a bare name in a document, a string in JSON).

use std::fmt;

use async_graphql::Name;
use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{BaseType, Type};
use async_graphql_value::{ConstValue, Value};

use super::schema::{InputSchema, TypeDef};

/// Where a value was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// In the document: a literal (or a variable's default value).
    Document,
    /// In the request's `variables`.
    Variables,
}

/// One step into a value: an input field or a list position.
#[derive(Clone, Debug)]
pub enum Step {
    /// An input object's field.
    Field(Name),
    /// A list's item.
    Index(usize),
}

/// Where in a value a problem is: the argument or variable name, then the steps into it.
#[derive(Clone, Debug)]
pub struct Path {
    root: Name,
    steps: Vec<Step>,
}

impl Path {
    /// The path of a whole argument or variable.
    pub fn new(root: Name) -> Self {
        Self {
            root,
            steps: Vec::new(),
        }
    }

    /// ` at "input.status"` for a place inside the value, nothing for the whole value: the
    /// phrase messages put after the argument or variable's name.
    pub fn at(&self) -> String {
        if self.steps.is_empty() {
            String::new()
        } else {
            format!(" at \"{self}\"")
        }
    }

    /// The input field the problem is in (the innermost one), else the root's name: what
    /// `extensions.field` reports.
    pub fn field(&self) -> &str {
        self.steps
            .iter()
            .rev()
            .find_map(|step| match step {
                Step::Field(name) => Some(name.as_str()),
                Step::Index(_) => None,
            })
            .unwrap_or(self.root.as_str())
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for step in &self.steps {
            match step {
                Step::Field(name) => write!(f, ".{name}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A value that does not fit its type.
#[derive(Clone, Debug)]
pub struct Problem {
    /// Where.
    pub path: Path,
    /// What is wrong, in a sentence.
    pub reason: String,
}

/// A variable standing in a literal, where the walk met it: the type expected there and
/// whether that place has a default of its own (both matter for the spec's "variable usage
/// allowed" rule).
#[derive(Clone, Copy, Debug)]
pub struct Usage<'a> {
    /// The variable's name.
    pub name: &'a Name,
    /// The type the place expects.
    pub expected: &'a Type,
    /// Whether the place (an argument or input field) declares a default.
    pub has_default: bool,
}

/// What the walk needs to see of a value; implemented for document literals and for JSON
/// values.
pub trait Input: Sized {
    /// The value's shape.
    fn shape(&self) -> Shape<'_, Self>;
    /// The value as a constant, for a scalar's parser (`None` if it holds a variable).
    fn constant(&self) -> Option<ConstValue>;
}

/// The shapes a value can have.
pub enum Shape<'a, V> {
    /// `$name`, only in documents.
    Variable(&'a Name),
    /// `null`.
    Null,
    /// A bare name, only in documents.
    Enum(&'a Name),
    /// A string.
    String(&'a str),
    /// A list.
    List(&'a [V]),
    /// An object.
    Object(&'a IndexMap<Name, V>),
    /// A number, a boolean or binary data.
    Other,
}

impl Input for Value {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Self::Variable(name) => Shape::Variable(name),
            Self::Null => Shape::Null,
            Self::Enum(name) => Shape::Enum(name),
            Self::String(text) => Shape::String(text),
            Self::List(items) => Shape::List(items),
            Self::Object(fields) => Shape::Object(fields),
            Self::Number(_) | Self::Boolean(_) | Self::Binary(_) => Shape::Other,
        }
    }

    fn constant(&self) -> Option<ConstValue> {
        self.clone().into_const()
    }
}

impl Input for ConstValue {
    fn shape(&self) -> Shape<'_, Self> {
        match self {
            Self::Null => Shape::Null,
            Self::Enum(name) => Shape::Enum(name),
            Self::String(text) => Shape::String(text),
            Self::List(items) => Shape::List(items),
            Self::Object(fields) => Shape::Object(fields),
            Self::Number(_) | Self::Boolean(_) | Self::Binary(_) => Shape::Other,
        }
    }

    fn constant(&self) -> Option<ConstValue> {
        Some(self.clone())
    }
}

/// Longest rendering of an offending value in a message.
const SHOWN_VALUE_CHARS: usize = 60;

fn shown(value: &impl Input) -> String {
    let text = match value.constant() {
        Some(constant) => constant.to_string(),
        None => "a value with variables".to_owned(),
    };
    if text.chars().count() <= SHOWN_VALUE_CHARS {
        return text;
    }
    let mut short: String = text.chars().take(SHOWN_VALUE_CHARS).collect();
    short.push('…');
    short
}

/// The walk over values; everything it borrows (schema, types, values) lives for `'a`, so
/// the usages it reports can be kept.
pub struct Checker<'a, F> {
    schema: &'a InputSchema,
    source: Source,
    on_variable: F,
}

impl<'a, F: FnMut(Usage<'a>, &Path)> Checker<'a, F> {
    /// A walk over values from `source`, telling `on_variable` of each variable met and
    /// where it stands.
    pub fn new(schema: &'a InputSchema, source: Source, on_variable: F) -> Self {
        Self {
            schema,
            source,
            on_variable,
        }
    }

    /// Checks `value` against `ty`; `has_default` says whether its place has a default.
    pub fn check<V: Input>(
        &mut self,
        value: &'a V,
        ty: &'a Type,
        has_default: bool,
        path: &mut Path,
    ) -> Result<(), Problem> {
        match value.shape() {
            Shape::Variable(name) => {
                (self.on_variable)(
                    Usage {
                        name,
                        expected: ty,
                        has_default,
                    },
                    path,
                );
                Ok(())
            }
            Shape::Null if ty.nullable => Ok(()),
            Shape::Null => Err(problem(
                path,
                format!("expected a value of type {ty}, found null"),
            )),
            shape => match &ty.base {
                BaseType::List(item) => match shape {
                    Shape::List(items) => {
                        for (index, value) in items.iter().enumerate() {
                            path.steps.push(Step::Index(index));
                            self.check(value, item, false, path)?;
                            path.steps.pop();
                        }
                        Ok(())
                    }
                    // A single value stands for a list of one.
                    _ => self.check(value, item, false, path),
                },
                BaseType::Named(name) => self.check_named(value, shape, name, path),
            },
        }
    }

    fn check_named<V: Input>(
        &mut self,
        value: &'a V,
        shape: Shape<'a, V>,
        name: &Name,
        path: &mut Path,
    ) -> Result<(), Problem> {
        let Some(definition) = self.schema.get(name) else {
            // An unknown type is a validation error reported where the type is named.
            return Ok(());
        };
        match definition {
            TypeDef::Scalar(scalar) => {
                let fits = !matches!(shape, Shape::List(_) | Shape::Object(_))
                    && value
                        .constant()
                        .is_some_and(|constant| scalar.accepts(&constant));
                if fits {
                    Ok(())
                } else {
                    Err(problem(
                        path,
                        format!("expected a value of type {name}, found {}", shown(value)),
                    ))
                }
            }
            TypeDef::Enum(values) => {
                let spelt = match (shape, self.source) {
                    (Shape::Enum(spelt), Source::Document) => Some(spelt.as_str()),
                    (Shape::String(spelt), Source::Variables) => Some(spelt),
                    _ => None,
                };
                match spelt {
                    Some(spelt) if values.contains(spelt) => Ok(()),
                    Some(spelt) => Err(problem(
                        path,
                        format!("\"{spelt}\" is not a value of the enum {name}"),
                    )),
                    None if self.source == Source::Document => Err(problem(
                        path,
                        format!(
                            "expected a value of the enum {name} (a bare name such as {}), \
                             found {}",
                            example(values),
                            shown(value)
                        ),
                    )),
                    None => Err(problem(
                        path,
                        format!(
                            "expected a value of the enum {name} (a string such as \"{}\"), \
                             found {}",
                            example(values),
                            shown(value)
                        ),
                    )),
                }
            }
            TypeDef::Input(fields) => {
                let Shape::Object(given) = shape else {
                    return Err(problem(
                        path,
                        format!("expected an object of type {name}, found {}", shown(value)),
                    ));
                };
                for (field, value) in given {
                    let Some(definition) = fields.get(field) else {
                        return Err(problem(path, format!("{name} has no field \"{field}\"")));
                    };
                    path.steps.push(Step::Field(field.clone()));
                    self.check(value, &definition.ty, definition.has_default, path)?;
                    path.steps.pop();
                }
                let missing = fields.iter().find(|(field, definition)| {
                    !definition.ty.nullable
                        && !definition.has_default
                        && !given.contains_key(*field)
                });
                match missing {
                    Some((field, definition)) => {
                        path.steps.push(Step::Field(field.clone()));
                        Err(problem(
                            path,
                            format!("the field {field} of type {} is required", definition.ty),
                        ))
                    }
                    None => Ok(()),
                }
            }
            // Output types cannot be input; validation says so where the type is named.
            TypeDef::Composite(_) | TypeDef::Union => Ok(()),
        }
    }
}

fn problem(path: &Path, reason: String) -> Problem {
    Problem {
        path: path.clone(),
        reason,
    }
}

/// One of an enum's values, for a message (the smallest, so messages are stable).
fn example(values: &std::collections::HashSet<Name>) -> String {
    values
        .iter()
        .min()
        .map(ToString::to_string)
        .unwrap_or_default()
}
