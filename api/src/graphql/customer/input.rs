//! The arguments of the customer mutations.

use async_graphql::{InputObject, MaybeUndefined, Result};
use service::customer::{CustomerPatch as ServicePatch, NewCustomer};

use crate::graphql::arguments::{nullable, required};

/// The fields of a new customer.
#[derive(Debug, InputObject)]
pub struct CreateCustomerInput {
    /// Given name; must not be blank.
    pub first_name: String,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Family name; must not be blank.
    pub last_name: String,
    /// Name suffix such as "Jr.".
    pub suffix: Option<String>,
    /// A valid email address no other customer has.
    pub email: String,
    /// Phone number, free text.
    pub phone: Option<String>,
}

impl From<CreateCustomerInput> for NewCustomer {
    fn from(input: CreateCustomerInput) -> Self {
        Self {
            first_name: input.first_name,
            middle_name: input.middle_name,
            last_name: input.last_name,
            suffix: input.suffix,
            email: input.email,
            phone: input.phone,
        }
    }
}

/// Changes to a customer: an omitted field is left as it is, an explicit `null` clears an
/// optional field (and is refused for a required one).
#[derive(Debug, Default, InputObject)]
pub struct CustomerPatch {
    /// New given name; must not be blank or null.
    pub first_name: MaybeUndefined<String>,
    /// New middle name, or null to clear it.
    pub middle_name: MaybeUndefined<String>,
    /// New family name; must not be blank or null.
    pub last_name: MaybeUndefined<String>,
    /// New suffix, or null to clear it.
    pub suffix: MaybeUndefined<String>,
    /// New email; valid, not taken, not null.
    pub email: MaybeUndefined<String>,
    /// New phone, or null to clear it.
    pub phone: MaybeUndefined<String>,
}

impl CustomerPatch {
    /// The service's patch; `null` for a required field is refused here.
    pub(crate) fn into_service(self) -> Result<ServicePatch> {
        Ok(ServicePatch {
            first_name: required("firstName", self.first_name)?,
            middle_name: nullable(self.middle_name),
            last_name: required("lastName", self.last_name)?,
            suffix: nullable(self.suffix),
            email: required("email", self.email)?,
            phone: nullable(self.phone),
        })
    }
}
