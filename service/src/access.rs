//! Who is asking, and what each role may see and do (SPEC 5.2), as plain values: the
//! interfaces say who the principal is, the verbs apply the rules. What a principal may not
//! read is left out by a condition in the SQL of every read, so pages and counts stay exact;
//! what it may not do is refused with [`Error::Forbidden`] before anything is written.

use sea_orm::ColumnTrait;
use sea_orm::sea_query::Condition;

use crate::error::{Error, Result};

/// The principal of a request: its role and, for the `customer` role, which customer it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    /// Reads and writes everything (also every request when access control is off).
    Admin,
    /// Reads everything, writes nothing.
    Reader,
    /// Sees only this customer's row and the todos linked to it.
    Customer(i32),
}

impl Principal {
    /// The one customer whose rows this principal sees, if it is limited to one.
    pub fn own_customer(self) -> Option<i32> {
        match self {
            Self::Customer(customer_id) => Some(customer_id),
            Self::Admin | Self::Reader => None,
        }
    }
}

/// The rows of a table `viewer` may see, when the table's `owner` column names the customer
/// a row belongs to: all of them, or only the principal's own.
pub(crate) fn owned_rows(viewer: Principal, owner: impl ColumnTrait) -> Condition {
    match viewer.own_customer() {
        Some(customer_id) => Condition::all().add(owner.eq(customer_id)),
        None => Condition::all(),
    }
}

/// The writes a role may have or lack the right to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Create a customer (also many, and upsert).
    CreateCustomer,
    /// Change a customer; whether the change sets its email.
    UpdateCustomer {
        /// The patch sets `email`.
        sets_email: bool,
    },
    /// Delete a customer.
    DeleteCustomer,
    /// Create, change or delete a todo.
    WriteTodo,
}

/// Whether `principal` may do `action` at all; which rows it may do it to is decided by the
/// verb's SQL (a row it cannot see is not found).
pub fn authorize(principal: Principal, action: Action) -> Result<()> {
    let allowed = match principal {
        Principal::Admin => true,
        Principal::Reader => false,
        Principal::Customer(_) => matches!(
            action,
            Action::UpdateCustomer { sets_email: false } | Action::WriteTodo
        ),
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The customer a todo written by `principal` is linked to: a customer principal's todos are
/// always its own (none given: linked to it; another: [`Error::Forbidden`]).
pub fn todo_owner(principal: Principal, customer_id: Option<i32>) -> Result<Option<i32>> {
    match (principal.own_customer(), customer_id) {
        (None, customer_id) => Ok(customer_id),
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(id)) if id == own => Ok(Some(own)),
        (Some(_), Some(_)) => Err(Error::Forbidden),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_the_rights_of_its_row_in_the_table() {
        let actions = [
            Action::CreateCustomer,
            Action::UpdateCustomer { sets_email: false },
            Action::UpdateCustomer { sets_email: true },
            Action::DeleteCustomer,
            Action::WriteTodo,
        ];
        let rights = [
            (Principal::Admin, [true, true, true, true, true]),
            (Principal::Reader, [false, false, false, false, false]),
            (Principal::Customer(7), [false, true, false, false, true]),
        ];
        for (principal, allowed) in rights {
            for (action, allowed) in actions.into_iter().zip(allowed) {
                assert_eq!(
                    authorize(principal, action).is_ok(),
                    allowed,
                    "{principal:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn a_customers_todos_are_its_own() {
        let customer = Principal::Customer(7);
        assert_eq!(todo_owner(customer, None).ok(), Some(Some(7)));
        assert_eq!(todo_owner(customer, Some(7)).ok(), Some(Some(7)));
        assert!(matches!(
            todo_owner(customer, Some(8)),
            Err(Error::Forbidden)
        ));
        assert_eq!(todo_owner(Principal::Admin, None).ok(), Some(None));
        assert_eq!(todo_owner(Principal::Admin, Some(8)).ok(), Some(Some(8)));
    }
}
