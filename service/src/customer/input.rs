//! What a caller may write to a customer, and the rules it must meet.

use crate::error::Field;
use crate::patch::Patch;
use crate::rules;
use crate::valid::{Problems, Valid, Validate};

/// A customer to create or to replace one with, before its rules are checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewCustomer {
    /// Required, not blank.
    pub first_name: String,
    /// Optional.
    pub middle_name: Option<String>,
    /// Required, not blank.
    pub last_name: String,
    /// Optional.
    pub suffix: Option<String>,
    /// Required, a valid address; must not be taken.
    pub email: String,
    /// Optional.
    pub phone: Option<String>,
}

/// A partial update: fields left as [`Patch::Keep`] are not touched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    /// New first name (not blank).
    pub first_name: Patch<String>,
    /// New middle name, or `None` to clear it.
    pub middle_name: Patch<Option<String>>,
    /// New last name (not blank).
    pub last_name: Patch<String>,
    /// New suffix, or `None` to clear it.
    pub suffix: Patch<Option<String>>,
    /// New email (valid, not taken).
    pub email: Patch<String>,
    /// New phone, or `None` to clear it.
    pub phone: Patch<Option<String>>,
}

impl From<NewCustomer> for CustomerPatch {
    /// A full replace, as the REST `PUT` does.
    fn from(new: NewCustomer) -> Self {
        Self {
            first_name: Patch::Set(new.first_name),
            middle_name: Patch::Set(new.middle_name),
            last_name: Patch::Set(new.last_name),
            suffix: Patch::Set(new.suffix),
            email: Patch::Set(new.email),
            phone: Patch::Set(new.phone),
        }
    }
}

impl From<Valid<NewCustomer>> for Valid<CustomerPatch> {
    /// A checked customer is a checked full replace: the rules are the same.
    fn from(new: Valid<NewCustomer>) -> Self {
        Valid::checked(new.into_inner().into())
    }
}

impl Validate for NewCustomer {
    /// Every field is checked and every problem reported, in the seed model's field order.
    fn validate(self) -> crate::Result<Valid<Self>> {
        let mut problems = Problems::default();
        let checked = Self {
            first_name: problems.check(rules::name(Field::FirstName, self.first_name)),
            middle_name: problems.check(rules::nullable_text(Field::MiddleName, self.middle_name)),
            last_name: problems.check(rules::name(Field::LastName, self.last_name)),
            suffix: problems.check(rules::nullable_text(Field::Suffix, self.suffix)),
            email: problems.check(rules::email(&self.email)),
            phone: problems.check(rules::nullable_text(Field::Phone, self.phone)),
        };
        problems.finish(checked)
    }
}

impl Validate for CustomerPatch {
    /// The fields being set are checked as [`NewCustomer`]'s are, every problem reported.
    fn validate(self) -> crate::Result<Valid<Self>> {
        let mut problems = Problems::default();
        let checked = Self {
            first_name: problems.check(
                self.first_name
                    .try_map(|value| rules::name(Field::FirstName, value)),
            ),
            middle_name: problems.check(
                self.middle_name
                    .try_map(|value| rules::nullable_text(Field::MiddleName, value)),
            ),
            last_name: problems.check(
                self.last_name
                    .try_map(|value| rules::name(Field::LastName, value)),
            ),
            suffix: problems.check(
                self.suffix
                    .try_map(|value| rules::nullable_text(Field::Suffix, value)),
            ),
            email: problems.check(self.email.try_map(|value| rules::email(&value))),
            phone: problems.check(
                self.phone
                    .try_map(|value| rules::nullable_text(Field::Phone, value)),
            ),
        };
        problems.finish(checked)
    }
}

/// Normalises an email the way it is stored, for look-ups; `None` if it is no valid address
/// (so no customer can have it).
pub fn normalise_email(email: &str) -> Option<String> {
    rules::email(email).ok()
}
