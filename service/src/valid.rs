//! Input that has passed its rules, as a type: a verb that writes takes a [`Valid`] value,
//! so it cannot be handed unchecked input, and input checked once (as the REST routes do
//! before their own checks) is never checked again.

use std::ops::Deref;

use crate::error::{Result, Violation};

/// A value that met every rule of its type, normalised as it will be stored (an email's
/// domain lower-cased, say). Only [`Validate::validate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Valid<T>(T);

impl<T> Valid<T> {
    /// Wraps a value the caller has just checked; private to the crate, so every `Valid`
    /// comes from a [`Validate`] implementation.
    pub(crate) fn checked(value: T) -> Self {
        Self(value)
    }

    /// The checked value, to read or convert.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Valid<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Input with rules: checks every field and reports every problem at once, in field order,
/// as the seed's pydantic models do.
pub trait Validate: Sized {
    /// The checked, normalised value, or [`crate::Error::Invalid`] listing each problem.
    fn validate(self) -> Result<Valid<Self>>;
}

/// Collects the problems of several fields, so that a check reports all of them, not only
/// the first.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<Violation>);

impl Problems {
    /// The checked value of one field, or `T::default()` with its problem noted.
    pub(crate) fn check<T: Default>(&mut self, result: Result<T, Violation>) -> T {
        result.unwrap_or_else(|violation| {
            self.0.push(violation);
            T::default()
        })
    }

    /// `value`, validated, if no field had a problem.
    pub(crate) fn finish<T>(self, value: T) -> Result<Valid<T>> {
        if self.0.is_empty() {
            Ok(Valid::checked(value))
        } else {
            Err(crate::Error::Invalid(self.0))
        }
    }
}
